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
import type { SessionReads } from '../store/session-store.js';
import { InvalidInput, NotARangeTest, NotEnoughRangeTestPoints, SessionNotFound } from './errors.js';
import type { Rule } from '../range-test/suggestions.js';
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

/**
 * What a range-test reference resolves to: the lrs the test suggests now by each rule, or
 * why it cannot be named (unknown or another project's session, not a range test, too few
 * points). Plain data: a preview worker gets it from the event loop's thread (previews/).
 */
export type RangeTestLookup = { readonly lrs: Record<Rule, readonly number[]> } | { readonly unusable: string };

/** Looks a range test up as `caller` sees it, in `reads` (a create's transaction, or a snapshot for a preview). */
export async function lookUpRangeTest(reads: SessionReads, caller: Caller, sessionId: string): Promise<RangeTestLookup> {
  try {
    const { suggestions } = await suggestFromRangeTest(reads, caller, sessionId);
    return {
      lrs: { steepest: suggestions.steepest.lrs, minimum: suggestions.minimum.lrs, valley: suggestions.valley.lrs },
    };
  } catch (error) {
    const unusable =
      error instanceof SessionNotFound || error instanceof NotARangeTest || error instanceof NotEnoughRangeTestPoints;
    if (unusable) return { unusable: error.message };
    throw error;
  }
}

/** Resolves one range test by its session id; the resolver asks it once per reference. */
export type RangeTestLookups = (sessionId: string) => Promise<RangeTestLookup>;

/** Whether a group's lr or any max_lr names a range test. */
export function namesRangeTest(request: ScheduleRequest): boolean {
  const inScheduler = (config: SchedulerConfigRequest): boolean =>
    isRangeTestReference(config.max_lr) || (config.schedulers ?? []).some(inScheduler);
  return request.param_groups.some((group) => isRangeTestReference(group.lr)) || inScheduler(request.scheduler);
}

/**
 * Replaces each reference with the number the range test suggests now (creating a session
 * does it inside its transaction, so the session records the test's numbers as of its
 * creation). Only range tests the caller can see can be named: `lookUp` does not find
 * another project's. Throws InvalidInput naming a reference that cannot be resolved
 * (unknown session, not a range test, too few points).
 */
export async function resolveRangeTestReferences(lookUp: RangeTestLookups, request: ScheduleRequest): Promise<ResolvedSchedule> {
  const param_groups: ParamGroupInput[] = [];
  for (const [i, group] of request.param_groups.entries()) {
    if (!isRangeTestReference(group.lr)) {
      param_groups.push({ ...group, lr: group.lr });
      continue;
    }
    // Group i takes the test's group i where it had one, else its first group's.
    const lrs = await suggestedLrs(lookUp, group.lr, ['param_groups', i, 'lr']);
    param_groups.push({ ...group, lr: lrs[i] ?? (lrs[0] as number) });
  }
  return { param_groups, scheduler: await resolveScheduler(lookUp, request.scheduler, ['scheduler']) };
}

async function resolveScheduler(lookUp: RangeTestLookups, config: SchedulerConfigRequest, path: FieldPath): Promise<SchedulerConfig> {
  const resolved: SchedulerConfig & Record<string, unknown> = { ...config };
  if (isRangeTestReference(config.max_lr)) {
    const lrs = await suggestedLrs(lookUp, config.max_lr, [...path, 'max_lr']);
    resolved.max_lr = lrs.length === 1 ? lrs[0] : lrs;
  }
  if (config.schedulers !== undefined) {
    const children: SchedulerConfig[] = [];
    for (const [i, child] of config.schedulers.entries()) children.push(await resolveScheduler(lookUp, child, [...path, 'schedulers', i]));
    resolved.schedulers = children;
  }
  return resolved;
}

async function suggestedLrs(lookUp: RangeTestLookups, reference: RangeTestReference, path: FieldPath): Promise<readonly number[]> {
  const { session, rule } = reference.from_range_test;
  const found = await lookUp(session);
  // Not found, not a range test, too few points: whatever it is, this request names a bad reference.
  if ('unusable' in found) throw new InvalidInput([...path, 'from_range_test', 'session'], found.unusable);
  return found.lrs[rule];
}
