import { ProblemError } from '../api/problem.js';
import type { HistoryEntry } from '../api/sessions.js';
import type { SessionStore, StoredSession } from '../store/session-store.js';
import { historyEntryView } from './views.js';

export function noSessionWithId(id: string): ProblemError {
  return new ProblemError(404, `no session with id '${id}'`);
}

/** The session with this id, or a 404 problem. */
export function findSession(store: SessionStore, id: string): StoredSession {
  const session = store.findById(id);
  if (!session) throw noSessionWithId(id);
  return session;
}

/** `GET /v1/sessions?key=`: the session with this key, or none (keys are unique). */
export function findSessionsByKey(store: SessionStore, key: string): StoredSession[] {
  const session = store.findByKey(key);
  return session ? [session] : [];
}

/** One step of a session's history (what a rank of a distributed job reads when rank 0 has moved on), or a 404. */
export function findHistoryEntry(store: SessionStore, id: string, step: number): HistoryEntry {
  const session = findSession(store, id);
  const entry = store.historyAt(session, step);
  if (!entry) throw new ProblemError(404, `session '${id}' has no step ${step}: it is at step ${session.step}`);
  return historyEntryView(session, entry);
}
