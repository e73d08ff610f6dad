import { ProblemError } from '../api/problem.js';
import type { SessionStore, StoredSession } from '../store/session-store.js';

export function noSessionWithId(id: string): ProblemError {
  return new ProblemError(404, `no session with id '${id}'`);
}

/** The session with this id, or a 404 problem. */
export function findSession(store: SessionStore, id: string): StoredSession {
  const session = store.findById(id);
  if (!session) throw noSessionWithId(id);
  return session;
}
