import { z } from 'zod';
import { floatModulo, floatPower, mathCos, mathLogBase, PI } from '../numerics/index.js';
import { finiteNumber, positiveInt } from './config-fields.js';
import type { Advanced, SchedulerDefinition, StepReport } from './definition.js';
import {
  applyLrs,
  baseStateDict,
  constructEpochScheduler,
  describeEpochState,
  loadBaseState,
  pythonArithmetic,
  type EpochState,
} from './epoch-scheduler.js';
import { InvalidReport } from './errors.js';
import type { ParamGroup } from './param-groups.js';

const config = z.strictObject({
  T_0: positiveInt.describe('Number of epochs until the first restart'),
  T_mult: positiveInt.default(1).describe('Factor by which the period grows after each restart'),
  eta_min: finiteNumber.default(0).describe('Minimum learning rate'),
});

type Config = z.infer<typeof config>;

export interface WarmRestartsState extends EpochState {
  /** Length of the current period. */
  readonly T_i: number;
  /** Epochs (possibly fractional) since the last restart. */
  readonly T_cur: number;
}

/**
 * Where in which period a (possibly fractional) epoch falls, as PyTorch's `step(epoch)`
 * finds it. T_mult ** n is an exact int in Python, and so here while T_0 * T_mult ** n
 * stays below 2^53 (epochs up to about 10^15).
 */
function positionAt({ T_0, T_mult }: Config, epoch: number): Pick<WarmRestartsState, 'T_i' | 'T_cur'> {
  if (epoch < T_0) return { T_i: T_0, T_cur: epoch };
  if (T_mult === 1) return { T_i: T_0, T_cur: floatModulo(epoch, T_0) };
  const n = Math.trunc(mathLogBase((epoch / T_0) * (T_mult - 1) + 1, T_mult));
  return { T_i: T_0 * floatPower(T_mult, n), T_cur: epoch - (T_0 * (floatPower(T_mult, n) - 1)) / (T_mult - 1) };
}

/** The state_dict entries that follow from the config alone. */
const attributes = ({ T_0, T_mult, eta_min }: Config) => ({ T_0, T_mult, eta_min });

/**
 * SGDR: cosine annealing that restarts every T_i epochs, T_i growing by T_mult. Takes
 * fractional epochs (`epoch: 3.25`) for per-batch use, as PyTorch documents.
 */
export const cosineAnnealingWarmRestarts: SchedulerDefinition<Config, WarmRestartsState> = {
  type: 'CosineAnnealingWarmRestarts',
  config,

  construct: (config, groups) =>
    constructEpochScheduler(groups, (created, initial) =>
      step(config, { ...created, T_i: config.T_0, T_cur: -1 }, initial, { mode: 'initial' }),
    ),

  step,

  describe: describeEpochState,
  cyclesMomentum: () => false,

  // In PyTorch's order: the constructor sets T_0, T_i, T_mult, eta_min, T_cur.
  stateDict: ({ T_0, T_mult, eta_min }, state) => ({
    T_0,
    T_i: state.T_i,
    T_mult,
    eta_min,
    T_cur: state.T_cur,
    ...baseStateDict(state),
  }),

  loadStateDict(config, dict, groups) {
    dict.agrees(attributes(config));
    // Its step() floors the epoch (T_cur keeps the fraction) and never counts, so an
    // older state_dict without _step_count means 0.
    const base = loadBaseState(dict, groups, dict.integer('last_epoch'), 0);
    return { ...base, T_i: dict.integer('T_i'), T_cur: dict.finite('T_cur') };
  },

  groupKeys: () => [],
};

/**
 * T_i and T_cur after a step: `step()` moves one epoch on (restarting the period at its
 * end), `step(epoch)` (and the constructor's first step, at 0) finds the epoch's period.
 */
function nextPosition(
  config: Config,
  state: WarmRestartsState,
  explicitEpoch: number | null,
): Pick<WarmRestartsState, 'T_i' | 'T_cur'> {
  if (explicitEpoch !== null || state.last_epoch < 0) return positionAt(config, explicitEpoch ?? 0);
  const T_cur = state.T_cur + 1;
  return T_cur >= state.T_i
    ? { T_i: state.T_i * config.T_mult, T_cur: floatModulo(T_cur, state.T_i) }
    : { T_i: state.T_i, T_cur };
}

/** CosineAnnealingWarmRestarts.step(): its own, not LRScheduler's (it never counts steps). */
function step(
  config: Config,
  state: WarmRestartsState,
  groups: readonly ParamGroup[],
  report: StepReport,
): Advanced<WarmRestartsState> {
  const epoch = report.epoch ?? (state.last_epoch < 0 ? 0 : state.last_epoch + 1);
  if (epoch < 0) throw new InvalidReport(['epoch'], `Expected non-negative epoch, but got ${epoch}`);
  const { eta_min } = config;
  const { position, lrs } = pythonArithmetic('CosineAnnealingWarmRestarts', epoch, () => {
    const position = nextPosition(config, state, report.epoch === undefined ? null : epoch);
    const lrs = state.base_lrs.map(
      (base) => eta_min + ((base - eta_min) * (1 + mathCos((PI * position.T_cur) / position.T_i))) / 2,
    );
    return { position, lrs };
  });
  return {
    state: { ...state, ...position, last_epoch: Math.floor(epoch), last_lr: lrs },
    groups: applyLrs('CosineAnnealingWarmRestarts', epoch, groups, lrs),
  };
}
