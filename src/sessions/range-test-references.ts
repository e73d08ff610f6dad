import {
  isRangeTestReference,
  type ParamGroupRequest,
  type RangeTestReference,
  type SchedulerConfigRequest,
} from '../api/range-test-references.js';
import type { SchedulerConfig } from '../schedulers/definition.js';
import type { FieldPath } from '../schedulers/errors.js';
import type { ParamGroupInput } from '../schedulers/param-groups.js';
import type { SessionReads } from '../store/session-store.js';
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
 * creation). Throws InvalidInput naming a reference that cannot be resolved (unknown
 * session, not a range test, too few points).
 */
export async function resolveRangeTestReferences(reads: SessionReads, request: ScheduleRequest): Promise<ResolvedSchedule> {
  const param_groups: ParamGroupInput[] = [];
  for (const [i, group] of request.param_groups.entries()) {
    if (!isRangeTestReference(group.lr)) {
      param_groups.push({ ...group, lr: group.lr });
      continue;
    }
    // Group i takes the test's group i where it had one, else its first group's.
    const lrs = await suggestedLrs(reads, group.lr, ['param_groups', i, 'lr']);
    param_groups.push({ ...group, lr: lrs[i] ?? (lrs[0] as number) });
  }
  return { param_groups, scheduler: await resolveScheduler(reads, request.scheduler, ['scheduler']) };
}

async function resolveScheduler(reads: SessionReads, config: SchedulerConfigRequest, path: FieldPath): Promise<SchedulerConfig> {
  const resolved: SchedulerConfig & Record<string, unknown> = { ...config };
  if (isRangeTestReference(config.max_lr)) {
    const lrs = await suggestedLrs(reads, config.max_lr, [...path, 'max_lr']);
    resolved.max_lr = lrs.length === 1 ? lrs[0] : lrs;
  }
  if (config.schedulers !== undefined) {
    const children: SchedulerConfig[] = [];
    for (const [i, child] of config.schedulers.entries()) children.push(await resolveScheduler(reads, child, [...path, 'schedulers', i]));
    resolved.schedulers = children;
  }
  return resolved;
}

async function suggestedLrs(reads: SessionReads, reference: RangeTestReference, path: FieldPath): Promise<readonly number[]> {
  const { session, rule } = reference.from_range_test;
  try {
    return (await suggestFromRangeTest(reads, session)).suggestions[rule].lrs;
  } catch (error) {
    // Not found, not a range test, too few points: whatever it is, this request names a bad reference.
    const badReference =
      error instanceof SessionNotFound || error instanceof NotARangeTest || error instanceof NotEnoughRangeTestPoints;
    throw badReference ? new InvalidInput([...path, 'from_range_test', 'session'], error.message) : error;
  }
}
