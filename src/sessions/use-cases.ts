import type { Caller } from '../access/caller.js';
import type { WaitQuery } from '../api/live.js';
import type { SessionInput, StepInput } from '../api/sessions.js';
import type { SessionStore } from '../store/session-store.js';
import { createSession } from './create-session.js';
import { deleteSession } from './delete-session.js';
import type { DeletionSweeper } from './deletion-sweeper.js';
import { exportStateDict } from './export-state-dict.js';
import { findSession } from './find-session.js';
import { listSessions, type SessionListRequest } from './list-sessions.js';
import { lookUpRangeTest } from './range-test-references.js';
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
 * Deletes wake the sweeper that removes what they leave. Every use case on sessions acts
 * for a caller: in its project (an admin's: in every project), recorded as the actor of
 * what it changes.
 */
export function sessionUseCases(store: SessionStore, sweeper: DeletionSweeper, changes: SessionChanges) {
  return {
    /** A session created, or found again by its key: `created` tells which. */
    async create(caller: Caller, input: SessionInput) {
      const { session, created } = await createSession(store, caller, input, now());
      return { session: sessionView(session), created };
    },
    find: async (caller: Caller, id: string) => sessionView(await store.snapshot((reads) => findSession(reads, caller, id))),
    list: (caller: Caller, request: SessionListRequest) => listSessions(store, caller, request),
    async delete(caller: Caller, id: string) {
      await deleteSession(store, caller, id, now());
      sweeper.wake();
    },
    step: (caller: Caller, id: string, input: StepInput) => stepSession(store, caller, id, input, now()),
    rewind: (caller: Caller, id: string, toStep: number) => rewindSession(store, caller, id, toStep, now()),
    history: (caller: Caller, id: string, request: HistoryRequest) => readHistory(store, caller, id, request),
    historyEntry: (caller: Caller, id: string, step: number) => readHistoryEntry(store, caller, id, step),
    /** Every step, rewind and deletion of a session from `afterStep` on, as they happen. */
    watch: (caller: Caller, id: string, afterStep: number | undefined, hold: HoldSlot) =>
      watchSession(store, changes, caller, id, afterStep, hold),
    waitForStep: (caller: Caller, id: string, query: WaitQuery, hold: HoldSlot) =>
      waitForStep(store, changes, caller, id, query, hold),
    exportStateDict: (caller: Caller, id: string) => exportStateDict(store, caller, id),
    suggestion: async (caller: Caller, id: string) =>
      suggestionView(await store.snapshot((reads) => suggestFromRangeTest(reads, caller, id))),
    /** What a range-test reference of a preview resolves to now, as the caller sees it (a preview worker asks). */
    lookUpRangeTest: (caller: Caller, id: string) => store.snapshot((reads) => lookUpRangeTest(reads, caller, id)),
    /** Whether the database answers a query: readiness. */
    databaseAnswers: () => store.isReachable(),
  };
}

export type SessionUseCases = ReturnType<typeof sessionUseCases>;
