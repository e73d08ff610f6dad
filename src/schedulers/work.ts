import type { SchedulerConfig, SchedulerDefinition } from './definition.js';

/**
 * The work model: what one step of a schedule costs, computed from its config and the
 * number of param groups before any work starts (the limits MAX_STEP_WORK and
 * MAX_PREVIEW_WORK are in these units). A unit is one scheduler updating one param group,
 * about a microsecond with the state's bookkeeping and its JSON; expressions and milestone
 * scans add theirs. Estimates err high: composites count every child on every step.
 */

/** Expression operations (see CompiledExpression.operations, ~30 ns each) in one unit. */
const OPERATIONS_PER_UNIT = 32;

/** Milestones one unit of work scans (`milestones.filter(...)` on every step). */
const MILESTONES_PER_UNIT = 256;

/** Units of one evaluation of an expression with `operations` operations. */
export function expressionWork(operations: number): number {
  return operations / OPERATIONS_PER_UNIT;
}

/** Units of scanning `count` milestones. */
export function milestoneWork(count: number): number {
  return count / MILESTONES_PER_UNIT;
}

/** Units of one step of `config` over `groupCount` groups: one per group unless the type says more. */
export function stepWorkOf(definition: SchedulerDefinition, config: SchedulerConfig, groupCount: number): number {
  return definition.stepWork?.(config, groupCount) ?? groupCount;
}
