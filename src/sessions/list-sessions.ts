import type { Session } from '../api/sessions.js';
import type { SessionStore } from '../store/session-store.js';
import { readPage, type Page, type PageRequest } from './paging.js';
import { sessionView } from './views.js';

/** Sessions, newest first. Throws InvalidInput for a bad cursor. */
export function listSessions(store: SessionStore, request: PageRequest): Page<Session> {
  return store.snapshot(() =>
    readPage(
      {
        name: 'sessions',
        rowsAfter: (beforeSeq, limit) => store.newestFirst(limit, beforeSeq),
        positionOf: (session) => session.seq,
        view: sessionView,
      },
      request,
    ),
  );
}
