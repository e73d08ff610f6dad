import type { Caller } from '../access/caller.js';
import type { ReportInput, StepInput } from '../api/sessions.js';
import { toState, type State } from '../api/state.js';
import { advanceSchedule, viewSchedule } from '../schedulers/schedule.js';
import type { SessionStore, StoredReport } from '../store/session-store.js';
import { canonicalJson } from './canonical-json.js';
import { StepConflict } from './errors.js';
import { holdSession } from './find-session.js';
import { refusingAtRequestPaths } from './refusals.js';
import { currentState } from './views.js';

/** Only what was reported, in a fixed shape, so identical reports compare equal. */
export function storedReport(input: ReportInput): StoredReport {
  return {
    ...(input.metric !== undefined ? { metric: input.metric } : {}),
    ...(input.metrics !== undefined ? { metrics: input.metrics } : {}),
    ...(input.epoch !== undefined ? { epoch: input.epoch } : {}),
  };
}

/**
 * Applies one report, all in one transaction, which tells the session's watchers as it
 * commits. With `expected_step`, a retry of the step just taken answers that step again
 * instead of skipping an epoch (and changes nothing, so nobody is told).
 * Throws SessionNotFound, StepConflict, or the core's refusals of the report.
 */
export function stepSession(
  store: SessionStore,
  caller: Caller,
  id: string,
  input: StepInput,
  now: string,
): Promise<{ state: State; replayed: boolean }> {
  return store.transaction(async (tx) => {
    // Held until the commit: the next step of this session, through any replica, reads this one's result.
    const session = await holdSession(tx, caller, id);
    const report = storedReport(input);
    const expected = input.expected_step;
    if (expected !== undefined && expected !== session.step) {
      const last = expected === session.step - 1 ? await tx.historyAt(session, session.step) : undefined;
      if (last?.report && canonicalJson(last.report) === canonicalJson(report)) {
        return { state: currentState(session), replayed: true };
      }
      throw new StepConflict(
        `expected_step is ${expected} but the session is at step ${session.step}` +
          (expected === session.step - 1 ? ', reached by a different report' : ''),
        currentState(session),
      );
    }
    const schedule = refusingAtRequestPaths(() =>
      advanceSchedule(session.schedule, {
        ...(report.metric !== undefined ? { metric: report.metric } : {}),
        ...(report.epoch !== undefined ? { epoch: report.epoch } : {}),
      }),
    );
    await tx.appendStep(session, schedule, report, now, caller.actor);
    const state = toState(session.step + 1, viewSchedule(schedule));
    await tx.announce({ kind: 'step', sessionId: id, step: state.step, state });
    return { state, replayed: false };
  });
}
