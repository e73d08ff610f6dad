import type { SessionStore, StoredSession } from '../store/session-store.js';
import { SessionNotFound } from './errors.js';

/** The session with this id. Throws SessionNotFound. */
export function findSession(store: SessionStore, id: string): StoredSession {
  const session = store.findById(id);
  if (!session) throw new SessionNotFound(id);
  return session;
}
