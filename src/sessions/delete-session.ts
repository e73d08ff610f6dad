import type { SessionStore } from '../store/session-store.js';
import { noSessionWithId } from './find-session.js';

/** Deletes a session and its history, or answers 404 if there is none. */
export function deleteSession(store: SessionStore, id: string): void {
  if (!store.delete(id)) throw noSessionWithId(id);
}
