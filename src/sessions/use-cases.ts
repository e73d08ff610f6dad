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
 * What the routes may do, bound to one store: each call is one use case (one transaction or snapshot),
 * answering in the API's shapes. Routes get this object and never the store, so they cannot
 * reach the database any other way. Deletes wake the sweeper that removes what they leave.
 */
export function sessionUseCases(store: SessionStore, sweeper: DeletionSweeper) {
  return {
    /** A session created, or found again by its key: `created` tells which. */
    async create(input: SessionInput) {
      const { session, created } = await createSession(store, input, now());
      return { session: sessionView(session), created };
    },
    find: async (id: string) => sessionView(await store.snapshot((reads) => findSession(reads, id))),
    list: (request: PageRequest) => listSessions(store, request),
    async delete(id: string) {
      await deleteSession(store, id, now());
      sweeper.wake();
    },
    step: (id: string, input: StepInput) => stepSession(store, id, input, now()),
    rewind: (id: string, toStep: number) => rewindSession(store, id, toStep, now()),
    history: (id: string, request: PageRequest) => readHistory(store, id, request),
    exportStateDict: (id: string) => exportStateDict(store, id),
    suggestion: async (id: string) => suggestionView(await store.snapshot((reads) => suggestFromRangeTest(reads, id))),
    preview: (input: PreviewInput) => computePreview(store, input),
    /** Whether the database answers a query: readiness. */
    databaseAnswers: () => store.isReachable(),
  };
}

export type SessionUseCases = ReturnType<typeof sessionUseCases>;
