import type { HistoryEntry, RangeTestSuggestionView, Session } from '../api/sessions.js';
import { toState, type State } from '../api/state.js';
import { toWire, toWireNumber } from '../api/wire-numbers.js';
import type { Suggestion } from '../range-test/suggestions.js';
import type { RangeTestState } from '../schedulers/lr-range-test.js';
import { viewSchedule } from '../schedulers/schedule.js';
import type { StoredHistoryEntry, StoredSession } from '../store/session-store.js';
import type { RangeTestSuggestion } from './range-test-suggestion.js';

/** Stored sessions, history rows and suggestions as the API shows them. */

export function currentState(session: StoredSession): State {
  return toState(session.step, viewSchedule(session.schedule));
}

export function sessionView(session: StoredSession): Session {
  return {
    id: session.id,
    project: session.project,
    name: session.name,
    key: session.key,
    metadata: session.metadata,
    created_at: session.created_at,
    updated_at: session.updated_at,
    param_groups: [...session.param_groups] as Session['param_groups'],
    scheduler: session.schedule.config,
    state: currentState(session),
  };
}

export function historyEntryView(session: StoredSession, entry: StoredHistoryEntry): HistoryEntry {
  const schedule = { config: session.schedule.config, state: entry.state, groups: entry.groups };
  return {
    step: entry.step,
    recorded_at: entry.recorded_at,
    actor: entry.actor,
    report: entry.report === null ? null : (toWire(entry.report) as HistoryEntry['report']),
    state: toState(entry.step, viewSchedule(schedule)),
  };
}

export function suggestionView({ suggestions, points, session }: RangeTestSuggestion): RangeTestSuggestionView {
  const state = session.schedule.state as RangeTestState;
  const pick = ({ lr, lrs, step }: Suggestion) => ({ lr: toWireNumber(lr), lrs: lrs.map(toWireNumber), step });
  return {
    steepest: pick(suggestions.steepest),
    minimum: pick(suggestions.minimum),
    valley: pick(suggestions.valley),
    finished: state.finished,
    finish_reason: state.finish_reason,
    points: points.map((p) => ({
      step: p.step,
      lr: toWireNumber(p.lrs[0] as number),
      lrs: p.lrs.map(toWireNumber),
      loss: toWireNumber(p.loss),
      smoothed_loss: toWireNumber(p.smoothed_loss),
    })),
  };
}
