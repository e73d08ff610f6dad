import { ProblemError } from '../api/problem.js';
import { visibleProject, type Caller } from '../access/caller.js';
import type { SessionStore, StoredSession } from '../store/session-store.js';

export function noSessionWithId(id: string): ProblemError {
  return new ProblemError(404, `no session with id '${id}'`);
}

/**
 * The session with this id, or a 404 problem. Another project's session is not found
 * either, with the same answer: a caller cannot tell it from one that never existed.
 */
export function findSession(store: SessionStore, caller: Caller, id: string): StoredSession {
  const session = store.findById(id, visibleProject(caller));
  if (!session) throw noSessionWithId(id);
  return session;
}
