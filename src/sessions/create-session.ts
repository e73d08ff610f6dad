import { randomUUID } from 'node:crypto';
import type { Caller } from '../access/caller.js';
import type { SessionInput } from '../api/sessions.js';
import { importSchedule, startSchedule } from '../schedulers/schedule.js';
import type { SessionStore, StoredSession } from '../store/session-store.js';
import { canonicalJson } from './canonical-json.js';
import { KeyConflict } from './errors.js';
import { refusingAtRequestPaths } from './refusals.js';

/**
 * Creates a session in the caller's project, or with a `key` that exists there, finds it
 * again: a restarted job gets its own session back, provided it asks for the same
 * schedule. Keys are per project: another project's session with this key is never seen.
 * `requestedWithReferences` is the request as sent when it named a range test.
 * Throws the core's refusals of the config, or KeyConflict.
 */
export function createSession(
  store: SessionStore,
  caller: Caller,
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
  return store.transaction(() => {
    if (input.key !== undefined) {
      const existing = store.findByKey(caller.project, input.key);
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
      project: caller.project,
      key: input.key ?? null,
      name: input.name ?? null,
      metadata: input.metadata ?? {},
      param_groups: input.param_groups,
      requested_with_references: requestedWithReferences,
      schedule,
      at: now,
      actor: caller.actor,
    });
    return { session, created: true };
  });
}
