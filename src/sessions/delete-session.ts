import type { SessionStore } from '../store/session-store.js';
import { SessionNotFound } from './errors.js';

/**
 * Deletes a session: from now on no use case finds it, and its key is free. Its history
 * goes in the background (DeletionSweeper), so a large one holds up no other request.
 * Throws SessionNotFound.
 */
export async function deleteSession(store: SessionStore, id: string, now: string): Promise<void> {
  if (!(await store.transaction((tx) => tx.markDeleted(id, now)))) throw new SessionNotFound(id);
}
