import type { SessionStore } from '../store/session-store.js';
import { SessionNotFound } from './errors.js';
import { currentState } from './views.js';

/**
 * Deletes a session: from now on no use case finds it, and its key is free. Its history
 * goes in the background (DeletionSweeper), so a large one holds up no other request.
 * The transaction tells its watchers as it commits, with the state it had.
 * Throws SessionNotFound.
 */
export async function deleteSession(store: SessionStore, id: string, now: string): Promise<void> {
  await store.transaction(async (tx) => {
    // Held, so that no step lands between reading the state and marking it.
    const session = await tx.holdById(id);
    if (!session || !(await tx.markDeleted(id, now))) throw new SessionNotFound(id);
    const state = currentState(session);
    await tx.announce({ kind: 'deleted', sessionId: id, step: state.step, state });
  });
}
