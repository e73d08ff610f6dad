import type { SessionStore } from '../store/session-store.js';
import { SessionNotFound } from './errors.js';

/** Deletes a session and its history. Throws SessionNotFound. */
export function deleteSession(store: SessionStore, id: string): void {
  if (!store.delete(id)) throw new SessionNotFound(id);
}
