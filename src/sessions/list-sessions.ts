import type { Session } from '../api/sessions.js';
import type { SessionStore } from '../store/session-store.js';
import { readPage, type Page, type PageRequest } from './paging.js';
import { sessionView } from './views.js';

export interface SessionListRequest extends PageRequest {
  /** Only the session with this key: one item or none (keys are unique), and no next page. */
  readonly key?: string | undefined;
}

/** Sessions, newest first, or the one with a key. Throws InvalidInput for a bad cursor. */
export function listSessions(store: SessionStore, request: SessionListRequest): Promise<Page<Session>> {
  const { key } = request;
  if (key !== undefined) {
    return store.snapshot(async (reads) => {
      const session = await reads.findByKey(key);
      return { items: session ? [sessionView(session)] : [], next_cursor: null };
    });
  }
  return store.snapshot((reads) =>
    readPage(
      {
        name: 'sessions',
        rowsAfter: (beforeSeq, limit) => reads.newestFirst(limit, beforeSeq),
        positionOf: (session) => session.seq,
        view: sessionView,
      },
      request,
    ),
  );
}
