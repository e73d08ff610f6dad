import type { SessionStore } from '../store/session-store.js';
import { findSession } from './find-session.js';
import type { SessionChanges } from './session-changes.js';
import { currentState } from './views.js';

/**
 * Deletes a session and its history, or answers 404 if there is none; then tells its
 * watchers, with the state it had, since the store no longer holds it.
 */
export function deleteSession(store: SessionStore, changes: SessionChanges, id: string): void {
  const state = store.transaction(() => {
    const session = findSession(store, id);
    store.delete(id);
    return currentState(session);
  });
  changes.publish({ kind: 'deleted', sessionId: id, step: state.step, state });
}
