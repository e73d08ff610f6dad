import { ProblemError } from '../api/problem.js';
import type { ReportInput } from '../api/sessions.js';
import { toState, type State } from '../api/state.js';
import { advanceSchedule, viewSchedule } from '../schedulers/schedule.js';
import type { SessionStore, StoredReport, StoredSession } from '../store/session-store.js';
import { canonicalJson } from './canonical-json.js';
import { refusingAsProblem } from './refusals.js';
import { currentState } from './views.js';

export function findSession(store: SessionStore, id: string): StoredSession {
  const session = store.findById(id);
  if (!session) throw new ProblemError(404, `no session with id '${id}'`);
  return session;
}

/** Only what was reported, in a fixed shape, so identical reports compare equal. */
function storedReport(input: ReportInput): StoredReport {
  return {
    ...(input.metric !== undefined ? { metric: input.metric } : {}),
    ...(input.metrics !== undefined ? { metrics: input.metrics } : {}),
    ...(input.epoch !== undefined ? { epoch: input.epoch } : {}),
  };
}

/**
 * Applies one report, all in one transaction. With `expected_step`, a retry of the
 * step just taken answers that step again instead of skipping an epoch.
 */
export function stepSession(
  store: SessionStore,
  id: string,
  input: ReportInput & { expected_step?: number },
  now: string,
): { state: State; replayed: boolean } {
  return store.transaction(() => {
    const session = findSession(store, id);
    const report = storedReport(input);
    const expected = input.expected_step;
    if (expected !== undefined && expected !== session.step) {
      const last = expected === session.step - 1 ? store.historyAt(session, session.step) : undefined;
      if (last?.report && canonicalJson(last.report) === canonicalJson(report)) {
        return { state: currentState(session), replayed: true };
      }
      throw new ProblemError(
        409,
        `expected_step is ${expected} but the session is at step ${session.step}` +
          (expected === session.step - 1 ? ', reached by a different report' : ''),
        { state: currentState(session) },
      );
    }
    const schedule = refusingAsProblem(() =>
      advanceSchedule(session.schedule, {
        ...(report.metric !== undefined ? { metric: report.metric } : {}),
        ...(report.epoch !== undefined ? { epoch: report.epoch } : {}),
      }),
    );
    store.appendStep(session, schedule, report, now);
    return { state: toState(session.step + 1, viewSchedule(schedule)), replayed: false };
  });
}

/** Goes back to the state after `toStep`, dropping the history after it (a job resumed from a checkpoint). */
export function rewindSession(store: SessionStore, id: string, toStep: number, now: string): State {
  return store.transaction(() => {
    const session = findSession(store, id);
    if (toStep > session.step) {
      throw new ProblemError(409, `cannot rewind to step ${toStep}: the session is at step ${session.step}`, {
        state: currentState(session),
      });
    }
    const entry = store.historyAt(session, toStep);
    if (!entry) throw new Error(`history of session ${id} lacks step ${toStep}`);
    store.rewindTo(session, entry, now);
    const schedule = { config: session.schedule.config, state: entry.state, groups: entry.groups };
    return toState(toStep, viewSchedule(schedule));
  });
}
