import type { Caller } from '../access/caller.js';
import {
  isRangeTestReference,
  type ParamGroupRequest,
  type RangeTestReference,
  type SchedulerConfigRequest,
} from '../api/range-test-references.js';
import type { SchedulerConfig } from '../schedulers/definition.js';
import type { FieldPath } from '../schedulers/errors.js';
import type { ParamGroupInput } from '../schedulers/param-groups.js';
import type { SessionStore } from '../store/session-store.js';
import { InvalidInput, NotARangeTest, NotEnoughRangeTestPoints, SessionNotFound } from './errors.js';
import { suggestFromRangeTest } from './range-test-suggestion.js';

/** The part of a create or preview request that makes a schedule, as the client sent it. */
export interface ScheduleRequest {
  readonly param_groups: readonly ParamGroupRequest[];
  readonly scheduler: SchedulerConfigRequest;
}

/** The same with every range-test reference replaced by its number: what the core takes. */
export interface ResolvedSchedule {
  readonly param_groups: ParamGroupInput[];
  readonly scheduler: SchedulerConfig;
}

/** Whether a group's lr or any max_lr names a range test. */
export function namesRangeTest(request: ScheduleRequest): boolean {
  const inScheduler = (config: SchedulerConfigRequest): boolean =>
    isRangeTestReference(config.max_lr) || (config.schedulers ?? []).some(inScheduler);
  return request.param_groups.some((group) => isRangeTestReference(group.lr)) || inScheduler(request.scheduler);
}

/**
 * Replaces each reference with the number the range test suggests now (creating a session
 * does it inside its transaction, so the session records the test's numbers as of its
 * creation). Only range tests the caller can see can be named: another project's is not
 * found. Throws InvalidInput naming a reference that cannot be resolved (unknown session,
 * not a range test, too few points).
 */
export function resolveRangeTestReferences(store: SessionStore, caller: Caller, request: ScheduleRequest): ResolvedSchedule {
  return {
    param_groups: request.param_groups.map((group, i) => {
      if (!isRangeTestReference(group.lr)) return { ...group, lr: group.lr };
      // Group i takes the test's group i where it had one, else its first group's.
      const lrs = suggestedLrs(store, caller, group.lr, ['param_groups', i, 'lr']);
      return { ...group, lr: lrs[i] ?? (lrs[0] as number) };
    }),
    scheduler: resolveScheduler(store, caller, request.scheduler, ['scheduler']),
  };
}

function resolveScheduler(store: SessionStore, caller: Caller, config: SchedulerConfigRequest, path: FieldPath): SchedulerConfig {
  const resolved: SchedulerConfig & Record<string, unknown> = { ...config };
  if (isRangeTestReference(config.max_lr)) {
    const lrs = suggestedLrs(store, caller, config.max_lr, [...path, 'max_lr']);
    resolved.max_lr = lrs.length === 1 ? lrs[0] : lrs;
  }
  if (config.schedulers !== undefined) {
    resolved.schedulers = config.schedulers.map((child, i) => resolveScheduler(store, caller, child, [...path, 'schedulers', i]));
  }
  return resolved;
}

function suggestedLrs(store: SessionStore, caller: Caller, reference: RangeTestReference, path: FieldPath): readonly number[] {
  const { session, rule } = reference.from_range_test;
  try {
    return suggestFromRangeTest(store, caller, session).suggestions[rule].lrs;
  } catch (error) {
    // Not found, not a range test, too few points: whatever it is, this request names a bad reference.
    const badReference =
      error instanceof SessionNotFound || error instanceof NotARangeTest || error instanceof NotEnoughRangeTestPoints;
    throw badReference ? new InvalidInput([...path, 'from_range_test', 'session'], error.message) : error;
  }
}
