import { z } from 'zod';
import { atMost, MAX_RANGE_TEST_GROUP_POINTS, MAX_RANGE_TEST_ITERATIONS } from '../limits.js';
import { floatPower } from '../numerics/index.js';
import { finiteNumber, numberOrPerGroup, positiveInt } from './config-fields.js';
import { FINISH_REASONS, type RangeTestProgress, type SchedulerDefinition } from './definition.js';
import { InvalidConfig, InvalidReport, StepRefused, type FieldPath } from './errors.js';
import { lrsOf, perGroup, withLrs } from './param-groups.js';


const config = z.strictObject({
  start_lr: numberOrPerGroup.nullable().default(null).describe("First lr, for all groups or per group; null: each group's lr"),
  end_lr: numberOrPerGroup.default(10).describe('Last lr, reached at the last iteration'),
  num_iter: positiveInt
    .min(2, 'must be at least 2 (the lr moves from start_lr to end_lr over num_iter - 1 steps)')
    .max(MAX_RANGE_TEST_ITERATIONS, atMost('MAX_RANGE_TEST_ITERATIONS', MAX_RANGE_TEST_ITERATIONS))
    .default(100)
    .describe('Number of batches the test runs at most'),
  step_mode: z.enum(['exp', 'linear']).default('exp').describe('Geometric or arithmetic steps from start_lr to end_lr'),
  smooth: finiteNumber
    .refine((b) => b >= 0 && b < 1, 'must be in [0, 1) (0: no smoothing; with 1 no loss would ever count)')
    .default(0.98)
    .describe("β of the bias-corrected exponential moving average of the loss (fastai's)"),
  diverge_threshold: finiteNumber
    .refine((t) => t > 1, 'must be > 1')
    .default(4)
    .describe('Stop once the smoothed loss exceeds this times the best smoothed loss'),
});

type Config = z.infer<typeof config>;

export interface RangeTestState extends RangeTestProgress {
  /** Batches reported so far. */
  readonly last_epoch: number;
  readonly base_lrs: readonly number[];
  readonly end_lrs: readonly number[];
  /** The moving average before bias correction. */
  readonly avg: number;
}

const endLrs = (c: Config, groupCount: number): number[] => perGroup('end_lr', c.end_lr, groupCount);

/**
 * Geometric steps need positive lrs, and the last lr must be a number: a huge
 * end_lr / start_lr ratio (or end_lr - start_lr) overflows to infinity.
 */
function refuseLrs(
  c: Config,
  starts: readonly number[],
  ends: readonly number[],
  paths: { readonly starts: FieldPath; readonly ends: FieldPath },
): void {
  if (c.step_mode === 'exp') {
    if (starts.some((lr) => !(lr > 0))) {
      throw new InvalidConfig(paths.starts, 'must be > 0 for step_mode exp (it steps geometrically)');
    }
    if (ends.some((lr) => !(lr > 0))) throw new InvalidConfig(paths.ends, 'must be > 0 for step_mode exp');
  }
  const last = starts.map((start, g) => lrAt(c, start, ends[g] as number, c.num_iter - 1));
  const bad = last.find((lr) => !Number.isFinite(lr));
  if (bad !== undefined) throw new InvalidConfig(paths.ends, `is too far from the start: the last lr would be ${bad}`);
}

function lrAt(c: Config, start: number, end: number, iteration: number): number {
  const fraction = iteration / (c.num_iter - 1);
  return c.step_mode === 'exp' ? start * floatPower(end / start, fraction) : start + (end - start) * fraction;
}

/**
 * Leslie Smith's LR range test: the lr rises every batch from start_lr to end_lr while
 * the reported losses are smoothed; the test ends when the loss diverges or after
 * num_iter batches. Not a PyTorch class: the suggestion route reads its history.
 */
export const lrRangeTest: SchedulerDefinition<Config, RangeTestState> = {
  type: 'LRRangeTest',
  config,
  needsMetric: true,

  construct(c, groups) {
    if (c.num_iter * groups.length > MAX_RANGE_TEST_GROUP_POINTS) {
      throw new InvalidConfig(
        ['num_iter'],
        `num_iter × param groups is ${c.num_iter * groups.length}; ${atMost('MAX_RANGE_TEST_GROUP_POINTS', MAX_RANGE_TEST_GROUP_POINTS)} (a suggestion reads every batch of every group at once)`,
      );
    }
    const starts = c.start_lr === null ? lrsOf(groups) : perGroup('start_lr', c.start_lr, groups.length);
    const ends = endLrs(c, groups.length);
    refuseLrs(c, starts, ends, { starts: ['start_lr'], ends: ['end_lr'] });
    const state: RangeTestState = {
      last_epoch: 0,
      base_lrs: starts,
      end_lrs: ends,
      avg: 0,
      smoothed_loss: null,
      best_loss: null,
      finished: false,
      finish_reason: null,
    };
    return { state, groups: withLrs(groups, starts) };
  },

  step(c, state, groups, report) {
    if (report.epoch !== undefined) {
      throw new InvalidReport(['epoch'], 'LRRangeTest steps one batch at a time; report without epoch');
    }
    if (report.metric === undefined) {
      throw new InvalidReport(['metric'], "LRRangeTest needs each batch's loss as the metric");
    }
    if (state.finished) {
      throw new StepRefused(
        `the range test finished (${state.finish_reason}) after ${state.last_epoch} batches; ask for its suggestion`,
      );
    }
    const i = state.last_epoch;
    const loss = report.metric;
    const avg = c.smooth * state.avg + (1 - c.smooth) * loss;
    const smoothed = avg / (1 - floatPower(c.smooth, i + 1));
    const best = state.best_loss === null || smoothed < state.best_loss ? smoothed : state.best_loss;
    const diverged = !Number.isFinite(loss) || smoothed > c.diverge_threshold * best;
    const finish_reason = diverged ? 'diverged' : i + 1 >= c.num_iter ? 'num_iter' : null;
    const next = state.base_lrs.map((start, g) => lrAt(c, start, state.end_lrs[g] as number, i + 1));
    return {
      state: {
        ...state,
        last_epoch: i + 1,
        avg,
        smoothed_loss: smoothed,
        best_loss: Number.isFinite(best) ? best : state.best_loss,
        finished: finish_reason !== null,
        finish_reason,
      },
      // A finished test leaves the last lr in place.
      groups: finish_reason === null ? withLrs(groups, next) : groups,
    };
  },

  describe: (_c, state) => ({
    last_epoch: state.last_epoch,
    base_lrs: state.base_lrs,
    rangeTest: {
      finished: state.finished,
      finish_reason: state.finish_reason,
      smoothed_loss: state.smoothed_loss,
      best_loss: state.best_loss,
    },
  }),

  cyclesMomentum: () => false,

  // Not a PyTorch class: its state_dict is this service's own state, under the same names.
  stateDict: (_c, state) => ({ ...state }),

  loadStateDict(c, dict, groups) {
    // The lrs the config fixes must be the ones saved; start_lr null took the groups' lrs then.
    dict.agrees({
      end_lrs: endLrs(c, groups.length),
      ...(c.start_lr === null ? {} : { base_lrs: perGroup('start_lr', c.start_lr, groups.length) }),
    });
    const base_lrs = dict.numbers('base_lrs', groups.length);
    const end_lrs = dict.numbers('end_lrs', groups.length);
    refuseLrs(c, base_lrs, end_lrs, { starts: ['base_lrs'], ends: ['end_lrs'] });
    const finish_reason = dict.nullableChoice('finish_reason', FINISH_REASONS);
    const last_epoch = dict.integer('last_epoch');
    // A running test has batches left; one that ran out stopped at num_iter exactly.
    const least = finish_reason === 'num_iter' ? c.num_iter : finish_reason === 'diverged' ? 1 : 0;
    const most = finish_reason === null ? c.num_iter - 1 : c.num_iter;
    if (last_epoch < least || last_epoch > most) {
      throw new InvalidConfig(
        ['last_epoch'],
        `must be from ${least} to ${most} with num_iter ${c.num_iter} and finish_reason ${finish_reason}, got ${last_epoch}`,
      );
    }
    return {
      last_epoch,
      base_lrs,
      end_lrs,
      avg: dict.number('avg'),
      smoothed_loss: dict.nullableNumber('smoothed_loss'),
      best_loss: dict.nullableNumber('best_loss'),
      finished: finish_reason !== null,
      finish_reason,
    };
  },

  groupKeys: () => [],
};
