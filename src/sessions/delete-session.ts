import type { Caller } from '../access/caller.js';
import type { SessionStore } from '../store/session-store.js';
import { findSession } from './find-session.js';
import type { SessionChanges } from './session-changes.js';
import { currentState } from './views.js';

/**
 * Deletes a session: from now on no use case finds it, and its key is free. Its history
 * goes in the background (DeletionSweeper), so a large one holds up no other request.
 * The audit log keeps who deleted it, and what it was. Once the mark has committed, its
 * watchers are told, with the state it had. Throws SessionNotFound.
 */
export function deleteSession(store: SessionStore, changes: SessionChanges, caller: Caller, id: string, now: string): void {
  const state = store.transaction(() => {
    const session = findSession(store, caller, id);
    store.markDeleted(id, now);
    store.audit.record({
      at: now,
      actor: caller.actor,
      action: 'session.delete',
      project: session.project,
      subject: session.id,
      detail: { step: session.step, key: session.key, name: session.name, type: session.schedule.config.type },
    });
    return currentState(session);
  });
  changes.publish({ kind: 'deleted', sessionId: id, step: state.step, state });
}
