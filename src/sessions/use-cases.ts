import type { WaitQuery } from '../api/live.js';
import type { SessionInput, StepInput } from '../api/sessions.js';
import type { SessionStore } from '../store/session-store.js';
import { createSession } from './create-session.js';
import { deleteSession } from './delete-session.js';
import type { DeletionSweeper } from './deletion-sweeper.js';
import { exportStateDict } from './export-state-dict.js';
import { findSession } from './find-session.js';
import { listSessions, type SessionListRequest } from './list-sessions.js';
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
 * What the routes may do, bound to one store: each call is one use case (one transaction),
 * answering in the API's shapes. Routes get this object and never the store, so they cannot
 * reach the database any other way. Steps, rewinds and deletes tell `changes` once they
 * have committed, which is what watches and waits listen to; deletes wake the sweeper that
 * removes what they leave.
 */
export function sessionUseCases(store: SessionStore, sweeper: DeletionSweeper, changes: SessionChanges) {
  return {
    /** A session created, or found again by its key: `created` tells which. */
    create(input: SessionInput) {
      const { session, created } = createSession(store, input, now());
      return { session: sessionView(session), created };
    },
    find: (id: string) => sessionView(findSession(store, id)),
    list: (request: SessionListRequest) => listSessions(store, request),
    delete(id: string) {
      deleteSession(store, changes, id, now());
      sweeper.wake();
    },
    step: (id: string, input: StepInput) => stepSession(store, changes, id, input, now()),
    rewind: (id: string, toStep: number) => rewindSession(store, changes, id, toStep, now()),
    history: (id: string, request: HistoryRequest) => readHistory(store, id, request),
    historyEntry: (id: string, step: number) => readHistoryEntry(store, id, step),
    /** Every step, rewind and deletion of a session from `afterStep` on, as they happen. */
    watch: (id: string, afterStep: number | undefined, hold: HoldSlot) => watchSession(store, changes, id, afterStep, hold),
    waitForStep: (id: string, query: WaitQuery, hold: HoldSlot) => waitForStep(store, changes, id, query, hold),
    exportStateDict: (id: string) => exportStateDict(store, id),
    suggestion: (id: string) => suggestionView(suggestFromRangeTest(store, id)),
    /** Whether the database answers a query: readiness. */
    databaseAnswers: () => store.isReachable(),
  };
}

export type SessionUseCases = ReturnType<typeof sessionUseCases>;
