import type { SessionStore } from '../store/session-store.js';
import { findSession } from './find-session.js';
import type { SessionChanges } from './session-changes.js';
import { currentState } from './views.js';

/**
 * Deletes a session: from now on no use case finds it, and its key is free. Its history
 * goes in the background (DeletionSweeper), so a large one holds up no other request.
 * Once the mark has committed, its watchers are told, with the state it had.
 * Throws SessionNotFound.
 */
export function deleteSession(store: SessionStore, changes: SessionChanges, id: string, now: string): void {
  const state = store.transaction(() => {
    const session = findSession(store, id);
    store.markDeleted(id, now);
    return currentState(session);
  });
  changes.publish({ kind: 'deleted', sessionId: id, step: state.step, state });
}
