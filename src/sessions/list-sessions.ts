import { visibleProject, type Caller } from '../access/caller.js';
import type { Session } from '../api/sessions.js';
import type { SessionStore } from '../store/session-store.js';
import { readPage, type Page, type PageRequest } from './paging.js';
import { sessionView } from './views.js';

/** The caller's project's sessions (an admin's: every project's), newest first. Throws InvalidInput for a bad cursor. */
export function listSessions(store: SessionStore, caller: Caller, request: PageRequest): Page<Session> {
  const project = visibleProject(caller);
  return store.snapshot(() =>
    readPage(
      {
        name: 'sessions',
        rowsAfter: (beforeSeq, limit) => store.newestFirst(project, limit, beforeSeq),
        positionOf: (session) => session.seq,
        view: sessionView,
      },
      request,
    ),
  );
}
