import type { Caller } from '../access/caller.js';
import { toState, type State } from '../api/state.js';
import { viewSchedule } from '../schedulers/schedule.js';
import type { SessionStore } from '../store/session-store.js';
import { RewindConflict } from './errors.js';
import { findSession } from './find-session.js';
import type { SessionChanges } from './session-changes.js';
import { currentState } from './views.js';

/**
 * Goes back to the state after `toStep`, dropping the history after it (a job resumed
 * from a checkpoint), and then tells the session's watchers. The audit log keeps who did
 * it and from which step. Throws SessionNotFound or RewindConflict.
 */
export function rewindSession(
  store: SessionStore,
  changes: SessionChanges,
  caller: Caller,
  id: string,
  toStep: number,
  now: string,
): State {
  const state = store.transaction(() => {
    const session = findSession(store, caller, id);
    if (toStep > session.step) {
      throw new RewindConflict(
        `cannot rewind to step ${toStep}: the session is at step ${session.step}`,
        currentState(session),
      );
    }
    const entry = store.historyAt(session, toStep);
    if (!entry) throw new Error(`history of session ${id} lacks step ${toStep}`);
    store.rewindTo(session, entry, now);
    store.audit.record({
      at: now,
      actor: caller.actor,
      action: 'session.rewind',
      project: session.project,
      subject: session.id,
      detail: { from_step: session.step, to_step: toStep },
    });
    const schedule = { config: session.schedule.config, state: entry.state, groups: entry.groups };
    return toState(toStep, viewSchedule(schedule));
  });
  changes.publish({ kind: 'rewind', sessionId: id, step: toStep, state });
  return state;
}
