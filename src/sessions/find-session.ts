import { visibleProject, type Caller } from '../access/caller.js';
import type { SessionStore, StoredSession } from '../store/session-store.js';
import { SessionNotFound } from './errors.js';

/**
 * The session with this id. Another project's session is not found either, with the same
 * answer: a caller cannot tell it from one that never existed. Throws SessionNotFound.
 */
export function findSession(store: SessionStore, caller: Caller, id: string): StoredSession {
  const session = store.findById(id, visibleProject(caller));
  if (!session) throw new SessionNotFound(id);
  return session;
}
