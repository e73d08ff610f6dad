import type { HistoryEntry, Session } from '../api/sessions.js';
import { toState, type State } from '../api/state.js';
import { toWire } from '../api/wire-numbers.js';
import { viewSchedule } from '../schedulers/schedule.js';
import type { StoredHistoryEntry, StoredSession } from '../store/session-store.js';

/** Stored sessions and history rows as the API shows them. */

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
