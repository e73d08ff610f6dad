import type { z } from 'zod';
import { PythonArithmeticError } from '../numerics/index.js';
import type { Advanced, Described, LeafState, SchedulerDefinition, StepReport } from './definition.js';
import { InvalidConfig, StepRefused } from './errors.js';
import { lrsOf, withMomentum, type ParamGroup } from './param-groups.js';
import type { StateDict, StateDictReader } from './state-dict.js';

/** PyTorch's `LRScheduler` state: everything but the optimizer's groups. */
export interface EpochState extends LeafState {
  readonly base_lrs: readonly number[];
  /** `_step_count`: step() calls, the constructor's included. */
  readonly step_count: number;
  /** `_last_lr`: the lrs this scheduler set last (a nested one's may differ from the groups'). */
  readonly last_lr: readonly number[];
}

/** What `get_lr()` sees: the scheduler's state and the optimizer's current groups. */
export interface LrContext {
  readonly last_epoch: number;
  readonly base_lrs: readonly number[];
  readonly groups: readonly ParamGroup[];
  readonly step_count: number;
  /** PyTorch's `_is_initial`: inside the constructor's own step. */
  readonly initial: boolean;
}

/**
 * A scheduler built on PyTorch's `LRScheduler` base class: `step()` advances
 * `last_epoch` and applies the chainable `get_lr()`; `step(epoch)` jumps to `epoch`
 * and applies the closed form where the class has one.
 */
export interface EpochSchedulerSpec<C> {
  readonly type: string;
  readonly config: z.ZodType<C>;
  /** The constructor's work before the base class runs: checks, and any groups it rewrites. */
  prepare?(config: C, groups: readonly ParamGroup[]): readonly ParamGroup[];
  /** base_lrs when the class overrides the groups' `initial_lr` (CyclicLR). */
  baseLrs?(config: C, groups: readonly ParamGroup[]): readonly number[];
  /** `get_lr()`: usually chainable, i.e. computed from the groups' current lrs. */
  lrs(config: C, at: LrContext): readonly number[];
  /** `_get_closed_form_lr()`, used by `step(epoch)` where PyTorch defines it. */
  closedForm?(config: C, at: LrContext): readonly number[];
  /** Whether `get_lr()` also writes momentum (or beta1) into the groups. */
  cyclesMomentum?(config: C): boolean;
  /** The momentums `get_lr()` writes, where it cycles them. */
  momentums?(config: C, at: LrContext): readonly number[];
  /** The class's own state_dict entries, all derived from its config (PyTorch's attribute names). */
  attributes(config: C, groups: readonly ParamGroup[]): StateDict;
  /** The functions it holds, which PyTorch's state_dict() appends after the rest, as null. */
  callables?(config: C, groups: readonly ParamGroup[]): StateDict;
  /** Group keys `get_lr()` reads besides lr (OneCycleLR's initial_lr, max_lr, ...). */
  groupKeys?(config: C): readonly (keyof ParamGroup)[];
  /** Work units of a step where `get_lr()` does more than update each group (see work.ts). */
  stepWork?(config: C, groupCount: number): number;
}

export function epochScheduler<C>(spec: EpochSchedulerSpec<C>): SchedulerDefinition<C, EpochState> {
  const cyclesMomentum = (config: C): boolean => spec.cyclesMomentum?.(config) ?? false;

  const step = (
    config: C,
    state: EpochState,
    groups: readonly ParamGroup[],
    report: StepReport,
  ): Advanced<EpochState> => {
    const explicit = report.epoch !== undefined;
    const last_epoch = explicit ? (report.epoch) : state.last_epoch + 1;
    const step_count =
      report.mode === 'initial' ? 1 : report.mode === 'restart' ? state.step_count : state.step_count + 1;
    const at: LrContext = {
      last_epoch,
      base_lrs: state.base_lrs,
      groups,
      step_count,
      initial: report.mode === 'initial',
    };
    const { lrs, momentums } = pythonArithmetic(spec.type, last_epoch, () => ({
      lrs: explicit && spec.closedForm ? spec.closedForm(config, at) : spec.lrs(config, at),
      momentums: cyclesMomentum(config) ? (spec.momentums?.(config, at) ?? null) : null,
    }));
    return {
      state: { ...state, last_epoch, step_count, last_lr: lrs },
      groups: applyLrs(spec.type, last_epoch, groups, lrs, momentums),
    };
  };

  return {
    type: spec.type,
    config: spec.config,

    construct(config, inputGroups) {
      const prepared = spec.prepare ? spec.prepare(config, inputGroups) : inputGroups;
      return constructEpochScheduler(prepared, (created, groups) => {
        const base_lrs = spec.baseLrs?.(config, groups) ?? created.base_lrs;
        return step(config, { ...created, base_lrs }, groups, { mode: 'initial' });
      });
    },

    step,

    describe: describeEpochState,

    cyclesMomentum,

    stateDict: (config, state, groups) => ({
      ...spec.attributes(config, groups),
      ...baseStateDict(state),
      ...spec.callables?.(config, groups),
    }),

    loadStateDict(config, dict, groups) {
      dict.agrees({ ...spec.attributes(config, groups), ...spec.callables?.(config, groups) });
      return loadBaseState(dict, groups);
    },

    groupKeys: (config) => spec.groupKeys?.(config) ?? [],

    stepWork: (config, groupCount) => spec.stepWork?.(config, groupCount) ?? groupCount,
  };
}

/**
 * The LRScheduler constructor around a class's first step: `initial_lr` set where unset
 * (PyTorch's setdefault: only the first scheduler on an optimizer fixes it), a fresh
 * state, then the initial step, whose refusal refuses the config as in PyTorch.
 */
export function constructEpochScheduler<S>(
  inputGroups: readonly ParamGroup[],
  initialStep: (created: EpochState, groups: readonly ParamGroup[]) => Advanced<S>,
): Advanced<S> {
  const groups = inputGroups.map((g) => (g.initial_lr === undefined ? { ...g, initial_lr: g.lr } : g));
  const base_lrs = groups.map((g) => g.initial_lr as number);
  const created: EpochState = { last_epoch: -1, base_lrs, step_count: 0, last_lr: lrsOf(groups) };
  try {
    return initialStep(created, groups);
  } catch (error) {
    if (error instanceof StepRefused) throw new InvalidConfig(error.field, error.message);
    throw error;
  }
}

/**
 * Runs a step's formulas: where Python would raise (a division by zero, an overflowing
 * power), PyTorch's step raises, so the step is refused, in Python's words.
 */
export function pythonArithmetic<T>(type: string, epoch: number, formulas: () => T): T {
  try {
    return formulas();
  } catch (error) {
    if (!(error instanceof PythonArithmeticError)) throw error;
    throw new StepRefused(`${type} cannot step to epoch ${epoch}: ${error.message}`);
  }
}

/**
 * The groups after `get_lr()`: its lrs, and momentums where it cycles them. A non-finite
 * lr refuses the step rather than hand the optimizer a NaN or an infinity.
 */
export function applyLrs(
  type: string,
  epoch: number,
  groups: readonly ParamGroup[],
  lrs: readonly number[],
  momentums: readonly number[] | null = null,
): ParamGroup[] {
  const bad = lrs.findIndex((lr) => !Number.isFinite(lr));
  if (bad >= 0) {
    throw new StepRefused(`${type} would set the lr of param group ${bad} to ${String(lrs[bad])} at epoch ${epoch}`);
  }
  return groups.map((group, i) => {
    const withLr = { ...group, lr: lrs[i] as number };
    const momentum = momentums?.[i];
    return momentum === undefined ? withLr : withMomentum(withLr, momentum);
  });
}

/** What every LRScheduler shows besides its groups' lrs. */
export const describeEpochState = (_config: unknown, state: EpochState): Described => ({
  last_epoch: state.last_epoch,
  base_lrs: state.base_lrs,
});

/** The entries every LRScheduler's state_dict has, with PyTorch 2.13's names in its order. */
export function baseStateDict(state: EpochState): StateDict {
  return {
    base_lrs: state.base_lrs,
    last_epoch: state.last_epoch,
    _step_count: state.step_count,
    _is_initial: false,
    _get_lr_called_within_step: false,
    _last_lr: state.last_lr,
  };
}

/**
 * The LRScheduler state in a state_dict; what older versions lack follows from the rest.
 * `last_epoch` is an integer unless `step(epoch)` was given a fraction, which PyTorch keeps.
 */
export function loadBaseState(
  dict: StateDictReader,
  groups: readonly ParamGroup[],
  last_epoch = dict.finite('last_epoch'),
  stepCount = last_epoch + 1,
): EpochState {
  return {
    last_epoch,
    base_lrs: dict.numbers('base_lrs', groups.length),
    step_count: dict.has('_step_count') ? dict.integer('_step_count') : stepCount,
    last_lr: dict.has('_last_lr') ? dict.numbers('_last_lr', groups.length) : lrsOf(groups),
  };
}

/** `get_lr()` for schedulers that leave the lr alone on a given epoch. */
export const currentLrs = (at: LrContext): number[] => lrsOf(at.groups);
