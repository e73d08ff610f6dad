import { randomUUID } from 'node:crypto';
import type { Caller } from '../access/caller.js';
import type { SessionInput } from '../api/sessions.js';
import { atMost, MAX_STEP_STATE_BYTES } from '../limits.js';
import { importSchedule, startSchedule, type Schedule } from '../schedulers/schedule.js';
import { widestScheduleBytes, type SessionStore, type StoredSession } from '../store/session-store.js';
import { canonicalJson } from './canonical-json.js';
import { KeyConflict, LimitExceeded } from './errors.js';
import {
  lookUpRangeTest,
  namesRangeTest,
  resolveRangeTestReferences,
  type ResolvedSchedule,
} from './range-test-references.js';
import { refusingAtRequestPaths } from './refusals.js';

/**
 * Every step stores the schedule's state and groups: their size, at its widest, is what the
 * database grows by per step, so it is bounded before anything is stored.
 */
function refuseStateBeyondLimit(schedule: Schedule): void {
  const bytes = widestScheduleBytes(schedule);
  if (bytes <= MAX_STEP_STATE_BYTES) return;
  const message =
    `the state of one step of this schedule over ${schedule.groups.length} param groups takes up to ${bytes} bytes; ` +
    `${atMost('MAX_STEP_STATE_BYTES', MAX_STEP_STATE_BYTES)}: use fewer param groups or nested schedulers`;
  throw new LimitExceeded(['scheduler'], message, 'MAX_STEP_STATE_BYTES');
}

/**
 * Creates a session in the caller's project, or with a `key` that exists there, finds it
 * again: a restarted job gets its own session back, provided it asks for the same
 * schedule. Keys are per project: another project's session with this key is never seen.
 * Throws the core's refusals of the config, a bad range-test reference, or KeyConflict.
 *
 * A request naming a range test records the numbers it resolved to, and the request
 * itself: the same request finds its keyed session again even after the range test has
 * recorded more batches (its references now mean other numbers) or has been deleted.
 */
export function createSession(
  store: SessionStore,
  caller: Caller,
  input: SessionInput,
  now: string,
): Promise<{ session: StoredSession; created: boolean }> {
  const requestedWithReferences = namesRangeTest(input)
    ? canonicalJson({ param_groups: input.param_groups, scheduler: input.scheduler })
    : null;
  const sameRequest = (existing: StoredSession) =>
    requestedWithReferences !== null && existing.requested_with_references === requestedWithReferences;
  return store.transaction(async (tx) => {
    const existing = input.key === undefined ? undefined : await tx.findByKey(caller.project, input.key);
    if (existing && sameRequest(existing)) return { session: existing, created: false };
    const resolved = await resolveRangeTestReferences((id) => lookUpRangeTest(tx, caller, id), input);
    const { param_groups, scheduler } = resolved;
    // Constructing checks the config even when a state_dict then sets the state.
    const started = refusingAtRequestPaths(() => startSchedule(scheduler, param_groups));
    const schedule =
      input.state_dict === undefined
        ? started
        : refusingAtRequestPaths(() => importSchedule(scheduler, param_groups, input.state_dict), { config: [] });
    refuseStateBeyondLimit(schedule);
    if (existing) return { session: withSameSchedule(existing, resolved), created: false };
    const session = await tx.insert({
      id: randomUUID(),
      project: caller.project,
      key: input.key ?? null,
      name: input.name ?? null,
      metadata: input.metadata ?? {},
      param_groups,
      requested_with_references: requestedWithReferences,
      schedule,
      at: now,
      actor: caller.actor,
    });
    if (session) return { session, created: true };
    // Another replica created a session with this key between the read and the insert: it answers, as if found first.
    const taken = input.key === undefined ? undefined : await tx.findByKey(caller.project, input.key);
    if (!taken) throw new Error(`a session with key '${input.key}' was neither inserted nor found`);
    return { session: sameRequest(taken) ? taken : withSameSchedule(taken, resolved), created: false };
  });
}

/** The session a key found, if it has the schedule asked for. Throws KeyConflict. */
function withSameSchedule(existing: StoredSession, { param_groups, scheduler }: ResolvedSchedule): StoredSession {
  const same =
    canonicalJson(existing.param_groups) === canonicalJson(param_groups) &&
    canonicalJson(existing.schedule.config) === canonicalJson(scheduler);
  if (!same) throw new KeyConflict(existing.key as string, existing.id);
  return existing;
}
