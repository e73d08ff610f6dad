import type { SchedulerConfig, StepReport } from './definition.js';
import { InvalidReport, StepRefused } from './errors.js';
import { momentumOf, lrsOf, type ParamGroup } from './param-groups.js';
import { definitionOf } from './registry.js';

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
}

/** Constructs the scheduler on the given groups. Throws InvalidConfig. */
export function startSchedule(config: SchedulerConfig, groups: readonly ParamGroup[]): Schedule {
  const { state, groups: after } = definitionOf(config.type).construct(config, groups);
  return { config, state, groups: after };
}

/** One `step()`. Throws InvalidReport or StepRefused and leaves `schedule` as it was. */
export function advanceSchedule(schedule: Schedule, report: StepReport): Schedule {
  const { state, groups } = definitionOf(schedule.config.type).step(
    schedule.config,
    schedule.state,
    schedule.groups,
    report,
  );
  return { config: schedule.config, state, groups };
}

export function viewSchedule(schedule: Schedule): ScheduleView {
  const definition = definitionOf(schedule.config.type);
  const { last_epoch, base_lrs, plateau } = definition.describe(schedule.config, schedule.state, schedule.groups);
  return {
    last_epoch,
    base_lrs,
    lrs: lrsOf(schedule.groups),
    ...(definition.cyclesMomentum(schedule.config) ? { momentums: schedule.groups.map(momentumOf) } : {}),
    ...plateau,
  };
}

/** The views after creation and after each report: what a session would answer, without storing. */
export function previewSchedule(
  config: SchedulerConfig,
  groups: readonly ParamGroup[],
  reports: readonly StepReport[],
): ScheduleView[] {
  let schedule = startSchedule(config, groups);
  const points = [viewSchedule(schedule)];
  reports.forEach((report, k) => {
    try {
      schedule = advanceSchedule(schedule, report);
    } catch (error) {
      if (error instanceof InvalidReport) throw new InvalidReport([k, ...error.path], error.message);
      if (error instanceof StepRefused) throw new StepRefused(`step ${k + 1}: ${error.message}`);
      throw error;
    }
    points.push(viewSchedule(schedule));
  });
  return points;
}
