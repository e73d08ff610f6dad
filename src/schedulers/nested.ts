import type { Advanced, NestedSchedulers, SchedulerConfig, StepReport } from './definition.js';
import { InvalidConfig, InvalidReport, StepRefused, WorkLimitExceeded } from './errors.js';
import { lrsOf, type ParamGroup } from './param-groups.js';
import type { StateDict, StateDictReader } from './state-dict.js';
import { stepWorkOf } from './work.js';

/** What composite schedulers share: building, stepping and inspecting their children. */

export interface CompositeState {
  readonly children: readonly unknown[];
  /** `_last_lr`: the lrs after the composite's last step. */
  readonly last_lr: readonly number[];
}

/**
 * Constructs the children in order on the same groups, as a user constructing them one
 * after the other on one optimizer would: each constructor's initial step composes.
 */
export function constructChildren(
  nested: NestedSchedulers,
  configs: readonly SchedulerConfig[],
  groups: readonly ParamGroup[],
): Advanced<CompositeState> {
  let current = groups;
  const children = configs.map((config, i) => {
    try {
      const built: Advanced<unknown> = nested.definitionOf(config.type).construct(config, current);
      current = built.groups;
      return built.state;
    } catch (error) {
      throw error instanceof InvalidConfig || error instanceof WorkLimitExceeded ? error.under('schedulers', i) : error;
    }
  });
  return { state: { children, last_lr: lrsOf(current) }, groups: current };
}

export function stepChild(
  nested: NestedSchedulers,
  configs: readonly SchedulerConfig[],
  state: CompositeState,
  index: number,
  groups: readonly ParamGroup[],
  report: StepReport,
): Advanced<CompositeState> {
  const config = configs[index] as SchedulerConfig;
  let stepped: Advanced<unknown>;
  try {
    stepped = nested.definitionOf(config.type).step(config, state.children[index], groups, report);
  } catch (error) {
    throw error instanceof StepRefused || error instanceof WorkLimitExceeded ? error.under('schedulers', index) : error;
  }
  const children = state.children.map((child, i) => (i === index ? stepped.state : child));
  return { state: { ...state, children, last_lr: lrsOf(stepped.groups) }, groups: stepped.groups };
}

/** The children's state_dicts, PyTorch's `_schedulers`. */
export function childStateDicts(
  nested: NestedSchedulers,
  configs: readonly SchedulerConfig[],
  state: CompositeState,
  groups: readonly ParamGroup[],
): StateDict[] {
  return configs.map((config, i) => nested.definitionOf(config.type).stateDict(config, state.children[i], groups));
}

/** The children's states from `_schedulers`, each refusal named by its index. */
export function loadChildren(
  nested: NestedSchedulers,
  configs: readonly SchedulerConfig[],
  dict: StateDictReader,
  groups: readonly ParamGroup[],
): CompositeState {
  const children = dict.children('_schedulers', configs.length).map((child, i) => {
    const config = configs[i] as SchedulerConfig;
    try {
      return nested.definitionOf(config.type).loadStateDict(config, child, groups) as unknown;
    } catch (error) {
      throw error instanceof InvalidConfig ? error.under('_schedulers', i) : error;
    }
  });
  return { children, last_lr: dict.has('_last_lr') ? dict.numbers('_last_lr', groups.length) : lrsOf(groups) };
}

/** Work units of stepping every child (a bound: SequentialLR steps one of them). */
export function childrenWork(nested: NestedSchedulers, configs: readonly SchedulerConfig[], groupCount: number): number {
  return configs.reduce((sum, config) => sum + stepWorkOf(nested.definitionOf(config.type), config, groupCount), 0);
}

export function childGroupKeys(nested: NestedSchedulers, configs: readonly SchedulerConfig[]): (keyof ParamGroup)[] {
  return [...new Set(configs.flatMap((config) => nested.definitionOf(config.type).groupKeys(config)))];
}

/** Composites' step() takes no epoch in PyTorch. */
export function refuseEpoch(type: string, report: StepReport): void {
  if (report.epoch !== undefined) {
    throw new InvalidReport(['epoch'], `${type}.step() takes no epoch; report without one`);
  }
}

/** Children that could never step inside a composite, refused at creation. */
export function refuseChildren(
  configs: readonly SchedulerConfig[],
  refused: (config: SchedulerConfig, index: number) => string | null,
): void {
  configs.forEach((config, i) => {
    const reason = refused(config, i);
    if (reason !== null) throw new InvalidConfig(['schedulers', i, 'type'], reason);
  });
}

/** PyTorch's recursive_undo: every leaf forgets the step its constructor took. */
export function undoInitialStep(state: unknown): unknown {
  const s = state as Record<string, unknown>;
  if (Array.isArray(s.children)) return { ...s, children: s.children.map(undoInitialStep) };
  return { ...s, last_epoch: (s.last_epoch as number) - 1 };
}
