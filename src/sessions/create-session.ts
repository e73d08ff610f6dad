import { randomUUID } from 'node:crypto';
import { ProblemError } from '../api/problem.js';
import type { SessionInput } from '../api/sessions.js';
import { MAX_STEP_STATE_BYTES } from '../limits.js';
import { importSchedule, startSchedule, type Schedule } from '../schedulers/schedule.js';
import { widestScheduleBytes, type SessionStore, type StoredSession } from '../store/session-store.js';
import { canonicalJson } from './canonical-json.js';
import { refusingAsProblem } from './refusals.js';

/**
 * Every step stores the schedule's state and groups: their size, at its widest, is what the
 * database grows by per step, so it is bounded before anything is stored.
 */
function refuseStateBeyondLimit(schedule: Schedule): void {
  const bytes = widestScheduleBytes(schedule);
  if (bytes <= MAX_STEP_STATE_BYTES) return;
  const message =
    `the state of one step of this schedule over ${schedule.groups.length} param groups takes up to ${bytes} bytes; ` +
    `at most ${MAX_STEP_STATE_BYTES} (MAX_STEP_STATE_BYTES): use fewer param groups or nested schedulers`;
  throw new ProblemError(422, `scheduler: ${message}`, {
    errors: [{ path: 'scheduler', message }],
    limit: 'MAX_STEP_STATE_BYTES',
  });
}

/**
 * Creates a session, or with a `key` that exists, finds it again: a restarted job
 * gets its own session back, provided it asks for the same schedule.
 * `requestedWithReferences` is the request as sent when it named a range test.
 */
export function createSession(
  store: SessionStore,
  input: SessionInput,
  requestedWithReferences: string | null,
  now: string,
): { session: StoredSession; created: boolean } {
  // Constructing checks the config even when a state_dict then sets the state.
  const started = refusingAsProblem(() => startSchedule(input.scheduler, input.param_groups));
  const schedule =
    input.state_dict === undefined
      ? started
      : refusingAsProblem(() => importSchedule(input.scheduler, input.param_groups, input.state_dict), {
          config: [],
        });
  refuseStateBeyondLimit(schedule);
  return store.transaction(() => {
    if (input.key !== undefined) {
      const existing = store.findByKey(input.key);
      if (existing) {
        const same =
          canonicalJson(existing.param_groups) === canonicalJson(input.param_groups) &&
          canonicalJson(existing.schedule.config) === canonicalJson(input.scheduler);
        if (!same) {
          const message = `a session with this key already exists with different param_groups or scheduler (id ${existing.id})`;
          throw new ProblemError(409, `key '${input.key}': ${message}`, { errors: [{ path: 'key', message }] });
        }
        return { session: existing, created: false };
      }
    }
    const session = store.insert({
      id: randomUUID(),
      key: input.key ?? null,
      name: input.name ?? null,
      metadata: input.metadata ?? {},
      param_groups: input.param_groups,
      requested_with_references: requestedWithReferences,
      schedule,
      at: now,
    });
    return { session, created: true };
  });
}
