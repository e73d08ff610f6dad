import { toState, type State } from '../api/state.js';
import { viewSchedule } from '../schedulers/schedule.js';
import type { SessionStore } from '../store/session-store.js';
import { RewindConflict, SessionNotFound } from './errors.js';
import { currentState } from './views.js';

/**
 * Goes back to the state after `toStep`, dropping the history after it (a job resumed
 * from a checkpoint), in one transaction that tells the session's watchers as it commits.
 * Throws SessionNotFound or RewindConflict.
 */
export function rewindSession(store: SessionStore, id: string, toStep: number, now: string): Promise<State> {
  return store.transaction(async (tx) => {
    const session = await tx.holdById(id);
    if (!session) throw new SessionNotFound(id);
    if (toStep > session.step) {
      throw new RewindConflict(
        `cannot rewind to step ${toStep}: the session is at step ${session.step}`,
        currentState(session),
      );
    }
    const entry = await tx.historyAt(session, toStep);
    if (!entry) throw new Error(`history of session ${id} lacks step ${toStep}`);
    await tx.rewindTo(session, entry, now);
    const schedule = { config: session.schedule.config, state: entry.state, groups: entry.groups };
    const state = toState(toStep, viewSchedule(schedule));
    await tx.announce({ kind: 'rewind', sessionId: id, step: toStep, state });
    return state;
  });
}
