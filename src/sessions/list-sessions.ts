import { visibleProject, type Caller } from '../access/caller.js';
import type { Session } from '../api/sessions.js';
import type { SessionStore } from '../store/session-store.js';
import { readPage, type Page, type PageRequest } from './paging.js';
import { sessionView } from './views.js';

export interface SessionListRequest extends PageRequest {
  /** Only the session with this key in the caller's project: one item or none (keys are unique there), and no next page. */
  readonly key?: string | undefined;
}

/**
 * The caller's project's sessions (an admin's: every project's), newest first, or the one
 * with a key in the caller's project. Throws InvalidInput for a bad cursor.
 */
export function listSessions(store: SessionStore, caller: Caller, request: SessionListRequest): Promise<Page<Session>> {
  const { key } = request;
  if (key !== undefined) {
    return store.snapshot(async (reads) => {
      const session = await reads.findByKey(caller.project, key);
      return { items: session ? [sessionView(session)] : [], next_cursor: null };
    });
  }
  return store.snapshot((reads) =>
    readPage(
      {
        name: 'sessions',
        rowsAfter: (beforeSeq, limit) => reads.newestFirst(visibleProject(caller), limit, beforeSeq),
        positionOf: (session) => session.seq,
        view: sessionView,
      },
      request,
    ),
  );
}
