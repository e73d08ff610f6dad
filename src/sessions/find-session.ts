import { visibleProject, type Caller } from '../access/caller.js';
import type { SessionReads, SessionWrites, StoredSession } from '../store/session-store.js';
import { SessionNotFound } from './errors.js';

/**
 * The session with this id. Another project's session is not found either, with the same
 * answer: a caller cannot tell it from one that never existed. Throws SessionNotFound.
 */
export async function findSession(reads: SessionReads, caller: Caller, id: string): Promise<StoredSession> {
  const session = await reads.findById(id, visibleProject(caller));
  if (!session) throw new SessionNotFound(id);
  return session;
}

/**
 * findSession, the session held until the transaction ends (see SessionWrites.holdById):
 * the next change of it, through any replica, reads what this one leaves. Throws SessionNotFound.
 */
export async function holdSession(tx: SessionWrites, caller: Caller, id: string): Promise<StoredSession> {
  const session = await tx.holdById(id, visibleProject(caller));
  if (!session) throw new SessionNotFound(id);
  return session;
}
