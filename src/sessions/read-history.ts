import type { Caller } from '../access/caller.js';
import { DEFAULT_HISTORY_PAGE, type HistoryEntry } from '../api/sessions.js';
import type { SessionStore } from '../store/session-store.js';
import { downsampleHistory } from './downsample-history.js';
import { StepNotInHistory } from './errors.js';
import { findSession } from './find-session.js';
import { readPage, type Page } from './paging.js';
import { historyEntryView } from './views.js';

/** The history route's query: a page (`limit`, `cursor`), or a downsampled range (`points`, `from_step`, `to_step`). */
export interface HistoryRequest {
  readonly limit?: number | undefined;
  readonly cursor?: string | undefined;
  readonly points?: number | undefined;
  readonly from_step?: number | undefined;
  readonly to_step?: number | undefined;
}

/**
 * A session's steps, oldest first (step 0 is the creation), a page at a time; or, with
 * `points`, a range of them downsampled for a chart, in one answer. Throws SessionNotFound,
 * or InvalidInput for a bad cursor or too few points.
 */
export async function readHistory(store: SessionStore, caller: Caller, id: string, request: HistoryRequest): Promise<Page<HistoryEntry>> {
  const { points, from_step, to_step, limit = DEFAULT_HISTORY_PAGE, cursor } = request;
  if (points !== undefined) return { items: await downsampleHistory(store, caller, id, { points, from_step, to_step }), next_cursor: null };
  return store.snapshot(async (reads) => {
    const session = await findSession(reads, caller, id);
    return readPage(
      {
        // A cursor of one session's history is no cursor of another's.
        name: `history/${session.id}`,
        rowsAfter: (afterStep = -1, rows) => reads.historyAfter(session, afterStep, rows),
        positionOf: (entry) => entry.step,
        view: (entry) => historyEntryView(session, entry),
      },
      { limit, cursor },
    );
  });
}

/**
 * One step of a session's history (what a rank of a distributed job reads when rank 0 has
 * moved on). Throws SessionNotFound, or StepNotInHistory.
 */
export function readHistoryEntry(store: SessionStore, caller: Caller, id: string, step: number): Promise<HistoryEntry> {
  return store.snapshot(async (reads) => {
    const session = await findSession(reads, caller, id);
    const entry = await reads.historyAt(session, step);
    if (!entry) throw new StepNotInHistory(id, step, session.step);
    return historyEntryView(session, entry);
  });
}
