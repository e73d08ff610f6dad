import type { Caller } from '../access/caller.js';
import { suggest, type RangePoint, type Rule, type Suggestion } from '../range-test/suggestions.js';
import type { RangeTestState } from '../schedulers/lr-range-test.js';
import { lrsOf } from '../schedulers/param-groups.js';
import type { SessionReads, StoredHistoryEntry, StoredSession } from '../store/session-store.js';
import { NotARangeTest, NotEnoughRangeTestPoints } from './errors.js';
import { findSession } from './find-session.js';

/** Every batch of a range test: the lrs it ran with (the state before it), its loss, the smoothed loss after it. */
export async function rangeTestPoints(reads: SessionReads, session: StoredSession): Promise<RangePoint[]> {
  const history: StoredHistoryEntry[] = [];
  for await (const entry of reads.historyAfter(session, -1, session.step + 1)) history.push(entry);
  return history.slice(1).map((entry, k) => ({
    step: entry.step,
    lrs: lrsOf((history[k] as StoredHistoryEntry).groups),
    loss: entry.report?.metric ?? Number.NaN,
    smoothed_loss: (entry.state as RangeTestState).smoothed_loss ?? Number.NaN,
  }));
}

export interface RangeTestSuggestion {
  readonly suggestions: Record<Rule, Suggestion>;
  readonly points: RangePoint[];
  readonly session: StoredSession;
}

/** The suggested lrs of an LRRangeTest session (reads that see one state of the database). Throws SessionNotFound, NotARangeTest or NotEnoughRangeTestPoints. */
export async function suggestFromRangeTest(reads: SessionReads, caller: Caller, id: string): Promise<RangeTestSuggestion> {
  const session = await findSession(reads, caller, id);
  if (session.schedule.config.type !== 'LRRangeTest') {
    throw new NotARangeTest(id, session.schedule.config.type);
  }
  const points = await rangeTestPoints(reads, session);
  const suggestions = suggest(points);
  if (typeof suggestions === 'string') {
    throw new NotEnoughRangeTestPoints(id, suggestions);
  }
  return { suggestions, points, session };
}
