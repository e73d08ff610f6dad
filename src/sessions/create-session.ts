import { randomUUID } from 'node:crypto';
import type { SessionInput } from '../api/sessions.js';
import { importSchedule, startSchedule } from '../schedulers/schedule.js';
import type { SessionStore, StoredSession } from '../store/session-store.js';
import { canonicalJson } from './canonical-json.js';
import { KeyConflict } from './errors.js';
import { namesRangeTest, resolveRangeTestReferences, type ResolvedSchedule } from './range-test-references.js';
import { refusingAtRequestPaths } from './refusals.js';

/**
 * Creates a session, or with a `key` that exists, finds it again: a restarted job
 * gets its own session back, provided it asks for the same schedule.
 * Throws the core's refusals of the config, a bad range-test reference, or KeyConflict.
 *
 * A request naming a range test records the numbers it resolved to, and the request
 * itself: the same request finds its keyed session again even after the range test has
 * recorded more batches (its references now mean other numbers) or has been deleted.
 */
export function createSession(
  store: SessionStore,
  input: SessionInput,
  now: string,
): Promise<{ session: StoredSession; created: boolean }> {
  const requestedWithReferences = namesRangeTest(input)
    ? canonicalJson({ param_groups: input.param_groups, scheduler: input.scheduler })
    : null;
  const sameRequest = (existing: StoredSession) =>
    requestedWithReferences !== null && existing.requested_with_references === requestedWithReferences;
  return store.transaction(async (tx) => {
    const existing = input.key === undefined ? undefined : await tx.findByKey(input.key);
    if (existing && sameRequest(existing)) return { session: existing, created: false };
    const resolved = await resolveRangeTestReferences(tx, input);
    const { param_groups, scheduler } = resolved;
    // Constructing checks the config even when a state_dict then sets the state.
    const started = refusingAtRequestPaths(() => startSchedule(scheduler, param_groups));
    const schedule =
      input.state_dict === undefined
        ? started
        : refusingAtRequestPaths(() => importSchedule(scheduler, param_groups, input.state_dict), { config: [] });
    if (existing) return { session: withSameSchedule(existing, resolved), created: false };
    const session = await tx.insert({
      id: randomUUID(),
      key: input.key ?? null,
      name: input.name ?? null,
      metadata: input.metadata ?? {},
      param_groups,
      requested_with_references: requestedWithReferences,
      schedule,
      at: now,
    });
    if (session) return { session, created: true };
    // Another replica created a session with this key between the read and the insert: it answers, as if found first.
    const taken = input.key === undefined ? undefined : await tx.findByKey(input.key);
    if (!taken) throw new Error(`a session with key '${input.key}' was neither inserted nor found`);
    return { session: sameRequest(taken) ? taken : withSameSchedule(taken, resolved), created: false };
  });
}

/** The session a key found, if it has the schedule asked for. Throws KeyConflict. */
function withSameSchedule(existing: StoredSession, { param_groups, scheduler }: ResolvedSchedule): StoredSession {
  const same =
    canonicalJson(existing.param_groups) === canonicalJson(param_groups) &&
    canonicalJson(existing.schedule.config) === canonicalJson(scheduler);
  if (!same) throw new KeyConflict(existing.key as string, existing.id);
  return existing;
}
