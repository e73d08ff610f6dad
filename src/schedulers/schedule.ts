import { meteringBigIntWork } from '../expressions/index.js';
import { MAX_BIGINT_WORK } from '../limits.js';
import type { Advanced, FinishReason, SchedulerConfig, StepReport } from './definition.js';
import { InvalidConfig, InvalidReport, StepRefused, WorkLimitExceeded } from './errors.js';
import { momentumOf, lrsOf, type ParamGroup } from './param-groups.js';
import { definitionOf } from './registry.js';
import { StateDictReader, type StateDict } from './state-dict.js';
import { stepWorkOf } from './work.js';

/**
 * A running schedule: the validated config, the scheduler's state and the optimizer's
 * groups. Plain JSON; this is what a session persists after every step.
 */
export interface Schedule {
  readonly config: SchedulerConfig;
  readonly state: unknown;
  readonly groups: readonly ParamGroup[];
}

/** The numbers a client sees (the contract's State, without the step count). */
export interface ScheduleView {
  readonly last_epoch: number;
  readonly base_lrs: readonly number[];
  readonly lrs: readonly number[];
  readonly momentums?: readonly number[];
  readonly best?: number;
  readonly num_bad_epochs?: number;
  readonly cooldown_counter?: number;
  readonly finished?: boolean;
  readonly finish_reason?: FinishReason | null;
  readonly smoothed_loss?: number | null;
  readonly best_loss?: number | null;
}

/**
 * Work units of one step of `config` over `groupCount` groups (see work.ts), known before
 * any work starts; constructing costs as much.
 */
export function scheduleWork(config: SchedulerConfig, groupCount: number): number {
  return stepWorkOf(definitionOf(config.type), config, groupCount);
}

/**
 * Constructs the scheduler on the given groups, within MAX_BIGINT_WORK.
 * Throws InvalidConfig or WorkLimitExceeded.
 */
export function startSchedule(config: SchedulerConfig, groups: readonly ParamGroup[]): Schedule {
  return meteringBigIntWork(MAX_BIGINT_WORK, () => {
    const { state, groups: after } = definitionOf(config.type).construct(config, groups) as Advanced<unknown>;
    return { config, state, groups: after };
  });
}

/**
 * A schedule resumed from a PyTorch `state_dict()` and the optimizer's groups as they
 * were saved with it (lr, initial_lr, momentum or betas, OneCycleLR's max_lr, ...).
 * Throws InvalidConfig: paths under `state_dict`, or `param_groups` for a missing key.
 */
export function importSchedule(config: SchedulerConfig, groups: readonly ParamGroup[], stateDict: unknown): Schedule {
  const definition = definitionOf(config.type);
  for (const key of definition.groupKeys(config)) {
    const missing = groups.findIndex((group) => group[key] === undefined);
    if (missing >= 0) {
      throw new InvalidConfig(['param_groups', missing, key], `${config.type} reads ${key} from every group to continue`);
    }
  }
  let state: unknown;
  try {
    state = definition.loadStateDict(config, StateDictReader.of(stateDict), groups);
  } catch (error) {
    throw error instanceof InvalidConfig ? error.under('state_dict') : error;
  }
  return { config, state, groups };
}

/** PyTorch's `scheduler.state_dict()` for the schedule, and the groups it goes with. */
export function exportSchedule(schedule: Schedule): { state_dict: StateDict; param_groups: readonly ParamGroup[] } {
  const definition = definitionOf(schedule.config.type);
  return {
    state_dict: definition.stateDict(schedule.config, schedule.state, schedule.groups),
    param_groups: schedule.groups,
  };
}

/**
 * One `step()`, within MAX_BIGINT_WORK. Throws InvalidReport, StepRefused or
 * WorkLimitExceeded and leaves `schedule` as it was.
 */
export function advanceSchedule(schedule: Schedule, report: StepReport): Schedule {
  return meteringBigIntWork(MAX_BIGINT_WORK, () => {
    const { state, groups } = definitionOf(schedule.config.type).step(
      schedule.config,
      schedule.state,
      schedule.groups,
      report,
    ) as Advanced<unknown>;
    return { config: schedule.config, state, groups };
  });
}

export function viewSchedule(schedule: Schedule): ScheduleView {
  const definition = definitionOf(schedule.config.type);
  const { last_epoch, base_lrs, plateau, rangeTest } = definition.describe(
    schedule.config,
    schedule.state,
    schedule.groups,
  );
  return {
    last_epoch,
    base_lrs,
    lrs: lrsOf(schedule.groups),
    ...(definition.cyclesMomentum(schedule.config) ? { momentums: schedule.groups.map(momentumOf) } : {}),
    ...plateau,
    ...rangeTest,
  };
}

/**
 * The views after creation and after each report: what a session would answer, without
 * storing. The whole preview shares one MAX_BIGINT_WORK.
 */
export function previewSchedule(
  config: SchedulerConfig,
  groups: readonly ParamGroup[],
  reports: readonly StepReport[],
): ScheduleView[] {
  return meteringBigIntWork(MAX_BIGINT_WORK, () => {
    let schedule = startSchedule(config, groups);
    const points = [viewSchedule(schedule)];
    reports.forEach((report, k) => {
      try {
        schedule = advanceSchedule(schedule, report);
      } catch (error) {
        if (error instanceof InvalidReport) throw new InvalidReport([k, ...error.path], error.message);
        if (error instanceof StepRefused) throw new StepRefused(`step ${k + 1}: ${error.message}`, error.field);
        if (error instanceof WorkLimitExceeded) throw error.atStep(k + 1);
        throw error;
      }
      points.push(viewSchedule(schedule));
    });
    return points;
  });
}
