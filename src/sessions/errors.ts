import type { State } from '../api/state.js';
import type { FieldPath } from '../schedulers/errors.js';

/**
 * Why a use case refuses, besides the core's own refusals (InvalidConfig, InvalidReport,
 * StepRefused, with their paths made the request's by refusals.ts). Plain errors: the
 * HTTP layer (plugins/problems.ts) decides what each becomes on the wire.
 */

export class SessionNotFound extends Error {
  constructor(readonly id: string) {
    super(`no session with id '${id}'`);
    this.name = 'SessionNotFound';
  }
}

/** A session with this key exists with a different schedule. */
export class KeyConflict extends Error {
  constructor(
    readonly key: string,
    readonly existingId: string,
  ) {
    super(`a session with this key already exists with different param_groups or scheduler (id ${existingId})`);
    this.name = 'KeyConflict';
  }
}

/** A step reported against another step than the session's. */
export class StepConflict extends Error {
  constructor(
    message: string,
    /** The session's state now, for the client to resynchronise. */
    readonly state: State,
  ) {
    super(message);
    this.name = 'StepConflict';
  }
}

/** A rewind to a step the session has not reached. */
export class RewindConflict extends Error {
  constructor(
    message: string,
    readonly state: State,
  ) {
    super(message);
    this.name = 'RewindConflict';
  }
}

export class NotARangeTest extends Error {
  constructor(id: string, type: string) {
    super(`session ${id} is a ${type} session, not an LRRangeTest`);
    this.name = 'NotARangeTest';
  }
}

export class NotEnoughRangeTestPoints extends Error {
  constructor(id: string, why: string) {
    super(`no suggestion from range test ${id} yet: ${why}`);
    this.name = 'NotEnoughRangeTestPoints';
  }
}

/** A request field valid in form that a use case refuses (a cursor, a range test reference). */
export class InvalidInput extends Error {
  constructor(
    readonly path: FieldPath,
    message: string,
  ) {
    super(message);
    this.name = 'InvalidInput';
  }
}

/** A history step the session does not have: it has not reached it, or a rewind dropped it. */
export class StepNotInHistory extends Error {
  constructor(id: string, step: number, sessionStep: number) {
    super(`session '${id}' has no step ${step}: it is at step ${sessionStep}`);
    this.name = 'StepNotInHistory';
  }
}

/**
 * A request beyond a limit that only doing part of its work shows (the state one step of a
 * new session stores). `limit` is the limit's name in src/limits.ts.
 */
export class LimitExceeded extends Error {
  constructor(
    readonly path: FieldPath,
    message: string,
    readonly limit: string,
  ) {
    super(message);
    this.name = 'LimitExceeded';
  }
}
