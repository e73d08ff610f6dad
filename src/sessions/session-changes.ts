import type { State } from '../api/state.js';

export const SESSION_CHANGE_KINDS = ['step', 'rewind', 'deleted'] as const;

/** A committed change to one session, as the step, rewind and delete use cases announce it. */
export interface SessionChange {
  readonly kind: (typeof SESSION_CHANGE_KINDS)[number];
  readonly sessionId: string;
  /** The session's step after the change: the new step, a rewind's target, the last step before deletion. */
  readonly step: number;
  /** The state at that step. */
  readonly state: State;
}

export type SessionChangeListener = (change: SessionChange) => void;

/**
 * Tells watchers and waiters that a session changed, so nothing polls. Use cases publish
 * only after their transaction committed; a subscriber therefore reads the store after
 * subscribing, and then misses nothing: every change is either in what it read or
 * delivered to it afterwards, in commit order. That is the whole contract, so a
 * PostgreSQL LISTEN/NOTIFY implementation (LISTEN before reading, NOTIFY inside the
 * committing transaction) can replace the in-process one when replicas share a database.
 */
export interface SessionChanges {
  publish(change: SessionChange): void;
  /** Delivers this session's changes published from now on; the returned function stops them. */
  subscribe(sessionId: string, listener: SessionChangeListener): () => void;
}

/**
 * One process's hub. Listeners run synchronously inside publish, so they only record
 * the change and wake their owner; they must not throw (the change is already committed).
 */
export class InProcessSessionChanges implements SessionChanges {
  private readonly listeners = new Map<string, Set<SessionChangeListener>>();

  publish(change: SessionChange): void {
    const listeners = this.listeners.get(change.sessionId);
    if (!listeners) return;
    // A copy: a listener may unsubscribe itself while being called.
    for (const listener of [...listeners]) listener(change);
  }

  subscribe(sessionId: string, listener: SessionChangeListener): () => void {
    let listeners = this.listeners.get(sessionId);
    if (!listeners) {
      listeners = new Set();
      this.listeners.set(sessionId, listeners);
    }
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0 && this.listeners.get(sessionId) === listeners) this.listeners.delete(sessionId);
    };
  }

  /** How many sessions have listeners (the map must not keep sessions nobody watches). */
  get watchedSessions(): number {
    return this.listeners.size;
  }
}

/**
 * A long-lived request's place in the service's budget of them (the HTTP layer keeps it,
 * per client): `signal` aborts when the request must end (the server is closing), and
 * `release` gives the place back.
 */
export interface HeldSlot {
  readonly signal: AbortSignal;
  release(): void;
}

/** Takes a slot for a watch or a wait, or throws when none is left. */
export type HoldSlot = () => HeldSlot;
