import type { HistoryEntry } from '../api/sessions.js';
import type { SessionStore } from '../store/session-store.js';
import { StepNotInHistory } from './errors.js';
import { findSession } from './find-session.js';
import { readPage, type Page, type PageRequest } from './paging.js';
import { historyEntryView } from './views.js';

/** A session's steps, oldest first (step 0 is the creation). Throws SessionNotFound, or InvalidInput for a bad cursor. */
export function readHistory(store: SessionStore, id: string, request: PageRequest): Promise<Page<HistoryEntry>> {
  return store.snapshot(async (reads) => {
    const session = await findSession(reads, id);
    return readPage(
      {
        // A cursor of one session's history is no cursor of another's.
        name: `history/${session.id}`,
        rowsAfter: (afterStep = -1, limit) => reads.historyAfter(session, afterStep, limit),
        positionOf: (entry) => entry.step,
        view: (entry) => historyEntryView(session, entry),
      },
      request,
    );
  });
}

/**
 * One step of a session's history (what a rank of a distributed job reads when rank 0 has
 * moved on). Throws SessionNotFound, or StepNotInHistory.
 */
export function readHistoryEntry(store: SessionStore, id: string, step: number): Promise<HistoryEntry> {
  return store.snapshot(async (reads) => {
    const session = await findSession(reads, id);
    const entry = await reads.historyAt(session, step);
    if (!entry) throw new StepNotInHistory(id, step, session.step);
    return historyEntryView(session, entry);
  });
}
