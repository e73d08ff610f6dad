import type { Caller } from '../access/caller.js';
import { toState, type State } from '../api/state.js';
import { viewSchedule } from '../schedulers/schedule.js';
import type { SessionStore } from '../store/session-store.js';
import { RewindConflict } from './errors.js';
import { holdSession } from './find-session.js';
import { currentState } from './views.js';

/**
 * Goes back to the state after `toStep`, dropping the history after it (a job resumed
 * from a checkpoint), in one transaction that records who did it and from which step in
 * the audit log and tells the session's watchers as it commits.
 * Throws SessionNotFound or RewindConflict.
 */
export function rewindSession(store: SessionStore, caller: Caller, id: string, toStep: number, now: string): Promise<State> {
  return store.transaction(async (tx) => {
    const session = await holdSession(tx, caller, id);
    if (toStep > session.step) {
      throw new RewindConflict(
        `cannot rewind to step ${toStep}: the session is at step ${session.step}`,
        currentState(session),
      );
    }
    const entry = await tx.historyAt(session, toStep);
    if (!entry) throw new Error(`history of session ${id} lacks step ${toStep}`);
    await tx.rewindTo(session, entry, now);
    await tx.recordAudit({
      at: now,
      actor: caller.actor,
      action: 'session.rewind',
      project: session.project,
      subject: session.id,
      detail: { from_step: session.step, to_step: toStep },
    });
    const schedule = { config: session.schedule.config, state: entry.state, groups: entry.groups };
    const state = toState(toStep, viewSchedule(schedule));
    await tx.announce({ kind: 'rewind', sessionId: id, step: toStep, state });
    return state;
  });
}
