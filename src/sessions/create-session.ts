import { randomUUID } from 'node:crypto';
import type { SessionInput } from '../api/sessions.js';
import { atMost, MAX_STEP_STATE_BYTES } from '../limits.js';
import { importSchedule, startSchedule, type Schedule } from '../schedulers/schedule.js';
import { widestScheduleBytes, type SessionStore, type StoredSession } from '../store/session-store.js';
import { canonicalJson } from './canonical-json.js';
import { KeyConflict, LimitExceeded } from './errors.js';
import { refusingAtRequestPaths } from './refusals.js';

/**
 * Every step stores the schedule's state and groups: their size, at its widest, is what the
 * database grows by per step, so it is bounded before anything is stored.
 */
function refuseStateBeyondLimit(schedule: Schedule): void {
  const bytes = widestScheduleBytes(schedule);
  if (bytes <= MAX_STEP_STATE_BYTES) return;
  const message =
    `the state of one step of this schedule over ${schedule.groups.length} param groups takes up to ${bytes} bytes; ` +
    `${atMost('MAX_STEP_STATE_BYTES', MAX_STEP_STATE_BYTES)}: use fewer param groups or nested schedulers`;
  throw new LimitExceeded(['scheduler'], message, 'MAX_STEP_STATE_BYTES');
}

/**
 * Creates a session, or with a `key` that exists, finds it again: a restarted job
 * gets its own session back, provided it asks for the same schedule.
 * `requestedWithReferences` is the request as sent when it named a range test.
 * Throws the core's refusals of the config, or KeyConflict.
 */
export function createSession(
  store: SessionStore,
  input: SessionInput,
  requestedWithReferences: string | null,
  now: string,
): { session: StoredSession; created: boolean } {
  // Constructing checks the config even when a state_dict then sets the state.
  const started = refusingAtRequestPaths(() => startSchedule(input.scheduler, input.param_groups));
  const schedule =
    input.state_dict === undefined
      ? started
      : refusingAtRequestPaths(() => importSchedule(input.scheduler, input.param_groups, input.state_dict), {
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
        if (!same) throw new KeyConflict(input.key, existing.id);
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
