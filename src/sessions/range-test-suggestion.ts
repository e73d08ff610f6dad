import type { Caller } from '../access/caller.js';
import { suggest, type RangePoint, type Rule, type Suggestion } from '../range-test/suggestions.js';
import type { RangeTestState } from '../schedulers/lr-range-test.js';
import { lrsOf } from '../schedulers/param-groups.js';
import type { SessionStore, StoredSession } from '../store/session-store.js';
import { NotARangeTest, NotEnoughRangeTestPoints } from './errors.js';
import { findSession } from './find-session.js';

/** Every batch of a range test: the lrs it ran with (the state before it), its loss, the smoothed loss after it. */
export function rangeTestPoints(store: SessionStore, session: StoredSession): RangePoint[] {
  const history = [...store.historyAfter(session, -1, session.step + 1)];
  return history.slice(1).map((entry, k) => ({
    step: entry.step,
    lrs: lrsOf((history[k] as (typeof history)[number]).groups),
    loss: entry.report?.metric ?? Number.NaN,
    smoothed_loss: (entry.state as RangeTestState).smoothed_loss ?? Number.NaN,
  }));
}

export interface RangeTestSuggestion {
  readonly suggestions: Record<Rule, Suggestion>;
  readonly points: RangePoint[];
  readonly session: StoredSession;
}

/** The suggested lrs of an LRRangeTest session. Throws SessionNotFound, NotARangeTest or NotEnoughRangeTestPoints. */
export function suggestFromRangeTest(store: SessionStore, caller: Caller, id: string): RangeTestSuggestion {
  const session = findSession(store, caller, id);
  if (session.schedule.config.type !== 'LRRangeTest') {
    throw new NotARangeTest(id, session.schedule.config.type);
  }
  const points = rangeTestPoints(store, session);
  const suggestions = suggest(points);
  if (typeof suggestions === 'string') {
    throw new NotEnoughRangeTestPoints(id, suggestions);
  }
  return { suggestions, points, session };
}
