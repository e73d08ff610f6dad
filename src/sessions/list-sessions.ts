import type { Session } from '../api/sessions.js';
import type { SessionStore } from '../store/session-store.js';
import { readPage, type Page, type PageRequest } from './paging.js';
import { sessionView } from './views.js';

/** Sessions, newest first. Throws InvalidInput for a bad cursor. */
export function listSessions(store: SessionStore, request: PageRequest): Promise<Page<Session>> {
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
