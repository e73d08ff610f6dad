import type { State } from '../api/state.js';
import type { SessionStore } from '../store/session-store.js';
import { currentState } from './views.js';

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
 * Tells watchers and waiters that a session changed, so nothing polls. Use cases announce
 * their changes inside their transactions, and the store publishes them only once
 * committed (on PostgreSQL by NOTIFY inside the transaction and the store's LISTEN, so a
 * change committed through any replica reaches every replica); a subscriber therefore
 * reads the store after subscribing, and then misses nothing: every change is either in
 * what it read or delivered to it afterwards, in commit order.
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

  /** The ids of the sessions that have listeners. */
  watchedSessionIds(): string[] {
    return [...this.listeners.keys()];
  }
}

/**
 * When changes may have been missed (store.listen's missedSome): tells each watched
 * session's listeners its state as it is now, as a step, which wakes its watchers to read
 * their history and answers the waiters it has brought far enough. A rewind or deletion
 * missed in that gap is not told as such: the history shows the one, and the other ends
 * waits when they time out.
 */
export async function retellWatched(store: SessionStore, changes: InProcessSessionChanges): Promise<void> {
  for (const id of changes.watchedSessionIds()) {
    // Whichever project: its watchers were let in when they started watching.
    const session = await store.snapshot((reads) => reads.findById(id, null));
    if (session) changes.publish({ kind: 'step', sessionId: id, step: session.step, state: currentState(session) });
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
