import type { WaitQuery } from '../api/live.js';
import type { PreviewInput, SessionInput, StepInput } from '../api/sessions.js';
import type { SessionStore } from '../store/session-store.js';
import { createSession } from './create-session.js';
import { deleteSession } from './delete-session.js';
import type { DeletionSweeper } from './deletion-sweeper.js';
import { exportStateDict } from './export-state-dict.js';
import { findSession } from './find-session.js';
import { listSessions, type SessionListRequest } from './list-sessions.js';
import { computePreview } from './preview-schedule.js';
import { suggestFromRangeTest } from './range-test-suggestion.js';
import { readHistory, readHistoryEntry, type HistoryRequest } from './read-history.js';
import { rewindSession } from './rewind-session.js';
import type { HoldSlot, SessionChanges } from './session-changes.js';
import { stepSession } from './step-session.js';
import { sessionView, suggestionView } from './views.js';
import { waitForStep } from './wait-for-step.js';
import { watchSession } from './watch-session.js';

/** The time a change is recorded at. */
const now = (): string => new Date().toISOString();

/**
 * What the routes may do, bound to one store: each call is one use case (one transaction or
 * snapshot), answering in the API's shapes. Routes get this object and never the store, so
 * they cannot reach the database any other way. Steps, rewinds and deletes announce their
 * changes in their transactions; the store tells `changes` of them once committed (on
 * PostgreSQL, whichever replica committed them), which is what watches and waits listen to.
 * Deletes wake the sweeper that removes what they leave.
 */
export function sessionUseCases(store: SessionStore, sweeper: DeletionSweeper, changes: SessionChanges) {
  return {
    /** A session created, or found again by its key: `created` tells which. */
    async create(input: SessionInput) {
      const { session, created } = await createSession(store, input, now());
      return { session: sessionView(session), created };
    },
    find: async (id: string) => sessionView(await store.snapshot((reads) => findSession(reads, id))),
    list: (request: SessionListRequest) => listSessions(store, request),
    async delete(id: string) {
      await deleteSession(store, id, now());
      sweeper.wake();
    },
    step: (id: string, input: StepInput) => stepSession(store, id, input, now()),
    rewind: (id: string, toStep: number) => rewindSession(store, id, toStep, now()),
    history: (id: string, request: HistoryRequest) => readHistory(store, id, request),
    historyEntry: (id: string, step: number) => readHistoryEntry(store, id, step),
    /** Every step, rewind and deletion of a session from `afterStep` on, as they happen. */
    watch: (id: string, afterStep: number | undefined, hold: HoldSlot) => watchSession(store, changes, id, afterStep, hold),
    waitForStep: (id: string, query: WaitQuery, hold: HoldSlot) => waitForStep(store, changes, id, query, hold),
    exportStateDict: (id: string) => exportStateDict(store, id),
    suggestion: async (id: string) => suggestionView(await store.snapshot((reads) => suggestFromRangeTest(reads, id))),
    preview: (input: PreviewInput) => computePreview(store, input),
    /** Whether the database answers a query: readiness. */
    databaseAnswers: () => store.isReachable(),
  };
}

export type SessionUseCases = ReturnType<typeof sessionUseCases>;
