import { randomUUID } from 'node:crypto';
import type { SessionInput } from '../api/sessions.js';
import { importSchedule, startSchedule } from '../schedulers/schedule.js';
import type { SessionStore, StoredSession } from '../store/session-store.js';
import { canonicalJson } from './canonical-json.js';
import { KeyConflict } from './errors.js';
import { refusingAtRequestPaths } from './refusals.js';

/**
 * Creates a session, or with a `key` that exists, finds it again: a restarted job
 * gets its own session back, provided it asks for the same schedule.
 * `requestedWithReferences` is the request as sent when it named a range test.
 * Throws the core's refusals of the config, or KeyConflict.
 */
export async function createSession(
  store: SessionStore,
  input: SessionInput,
  requestedWithReferences: string | null,
  now: string,
): Promise<{ session: StoredSession; created: boolean }> {
  // Constructing checks the config even when a state_dict then sets the state.
  const started = refusingAtRequestPaths(() => startSchedule(input.scheduler, input.param_groups));
  const schedule =
    input.state_dict === undefined
      ? started
      : refusingAtRequestPaths(() => importSchedule(input.scheduler, input.param_groups, input.state_dict), {
          config: [],
        });
  return store.transaction(async (tx) => {
    const existing = input.key === undefined ? undefined : await tx.findByKey(input.key);
    if (existing) return { session: sameScheduleAs(existing, input), created: false };
    const session = await tx.insert({
      id: randomUUID(),
      key: input.key ?? null,
      name: input.name ?? null,
      metadata: input.metadata ?? {},
      param_groups: input.param_groups,
      requested_with_references: requestedWithReferences,
      schedule,
      at: now,
    });
    if (session) return { session, created: true };
    // Another replica created a session with this key between the read and the insert: that one answers.
    const taken = input.key === undefined ? undefined : await tx.findByKey(input.key);
    if (!taken) throw new Error(`a session with key '${input.key}' was neither inserted nor found`);
    return { session: sameScheduleAs(taken, input), created: false };
  });
}

/** The session found by the request's key, if it has the schedule asked for. Throws KeyConflict. */
function sameScheduleAs(existing: StoredSession, input: SessionInput): StoredSession {
  const same =
    canonicalJson(existing.param_groups) === canonicalJson(input.param_groups) &&
    canonicalJson(existing.schedule.config) === canonicalJson(input.scheduler);
  if (!same) throw new KeyConflict(existing.key as string, existing.id);
  return existing;
}
