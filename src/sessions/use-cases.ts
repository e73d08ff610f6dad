import type { Caller } from '../access/caller.js';
import type { PreviewInput, SessionInput, StepInput } from '../api/sessions.js';
import type { SessionStore } from '../store/session-store.js';
import { createSession } from './create-session.js';
import { deleteSession } from './delete-session.js';
import type { DeletionSweeper } from './deletion-sweeper.js';
import { exportStateDict } from './export-state-dict.js';
import { findSession } from './find-session.js';
import { listSessions } from './list-sessions.js';
import type { PageRequest } from './paging.js';
import { computePreview } from './preview-schedule.js';
import { suggestFromRangeTest } from './range-test-suggestion.js';
import { readHistory } from './read-history.js';
import { rewindSession } from './rewind-session.js';
import { stepSession } from './step-session.js';
import { sessionView, suggestionView } from './views.js';

/** The time a change is recorded at. */
const now = (): string => new Date().toISOString();

/**
 * What the routes may do, bound to one store: each call is one use case (one transaction),
 * answering in the API's shapes. Routes get this object and never the store, so they cannot
 * reach the database any other way. Deletes wake the sweeper that removes what they leave.
 * Every use case on sessions acts for a caller: in its project (an admin's: in every
 * project), recorded as the actor of what it changes.
 */
export function sessionUseCases(store: SessionStore, sweeper: DeletionSweeper) {
  return {
    /** A session created, or found again by its key: `created` tells which. */
    create(caller: Caller, input: SessionInput) {
      const { session, created } = createSession(store, caller, input, now());
      return { session: sessionView(session), created };
    },
    find: (caller: Caller, id: string) => sessionView(findSession(store, caller, id)),
    list: (caller: Caller, request: PageRequest) => listSessions(store, caller, request),
    delete(caller: Caller, id: string) {
      deleteSession(store, caller, id, now());
      sweeper.wake();
    },
    step: (caller: Caller, id: string, input: StepInput) => stepSession(store, caller, id, input, now()),
    rewind: (caller: Caller, id: string, toStep: number) => rewindSession(store, caller, id, toStep, now()),
    history: (caller: Caller, id: string, request: PageRequest) => readHistory(store, caller, id, request),
    exportStateDict: (caller: Caller, id: string) => exportStateDict(store, caller, id),
    suggestion: (caller: Caller, id: string) => suggestionView(suggestFromRangeTest(store, caller, id)),
    preview: (caller: Caller, input: PreviewInput) => computePreview(store, caller, input),
    /** Whether the database answers a query: readiness. */
    databaseAnswers: () => store.isReachable(),
  };
}

export type SessionUseCases = ReturnType<typeof sessionUseCases>;
