import type { SessionReads, StoredSession } from '../store/session-store.js';
import { SessionNotFound } from './errors.js';

/** The session with this id. Throws SessionNotFound. */
export async function findSession(reads: SessionReads, id: string): Promise<StoredSession> {
  const session = await reads.findById(id);
  if (!session) throw new SessionNotFound(id);
  return session;
}
