import type { SessionStore } from '../store/session-store.js';
import { SessionNotFound } from './errors.js';

/** Deletes a session and its history. Throws SessionNotFound. */
export async function deleteSession(store: SessionStore, id: string): Promise<void> {
  if (!(await store.transaction((tx) => tx.delete(id)))) throw new SessionNotFound(id);
}
