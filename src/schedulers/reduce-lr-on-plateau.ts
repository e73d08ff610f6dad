import { z } from 'zod';
import { finiteNumber, nonNegativeInt, numberOrPerGroup } from './config-fields.js';
import type { SchedulerDefinition, LeafState } from './definition.js';
import { InvalidReport } from './errors.js';
import { lrsOf, perGroup } from './param-groups.js';

const config = z.strictObject({
  mode: z.enum(['min', 'max']).default('min').describe('Whether the metric should decrease or increase'),
  factor: finiteNumber
    .refine((f) => f < 1.0, 'Factor should be < 1.0.')
    .default(0.1)
    .describe('Factor by which the lr is reduced'),
  patience: nonNegativeInt.default(10).describe('Epochs without improvement before reducing'),
  threshold: finiteNumber.default(1e-4).describe('Threshold for measuring a new best'),
  threshold_mode: z.enum(['rel', 'abs']).default('rel').describe('Relative or absolute threshold'),
  cooldown: nonNegativeInt.default(0).describe('Epochs to wait after a reduction'),
  min_lr: numberOrPerGroup.default(0).describe('Lower bound on the lr, for all groups or per group'),
  eps: finiteNumber.default(1e-8).describe('Reductions smaller than this are skipped'),
});

type Config = z.infer<typeof config>;

export interface PlateauState extends LeafState {
  readonly base_lrs: readonly number[];
  readonly best: number;
  readonly num_bad_epochs: number;
  readonly cooldown_counter: number;
}

function isBetter({ mode, threshold_mode, threshold }: Config, a: number, best: number): boolean {
  if (mode === 'min' && threshold_mode === 'rel') return a < best * (1.0 - threshold);
  if (mode === 'min') return a < best - threshold;
  if (threshold_mode === 'rel') return a > best * (threshold + 1.0);
  return a > best + threshold;
}

const minLrs = (config: Config, groupCount: number): number[] => perGroup('min_lr', config.min_lr, groupCount);

/** The state_dict entries that follow from the config alone. */
const attributes = (config: Config, groupCount: number) => ({
  factor: config.factor,
  min_lrs: minLrs(config, groupCount),
  patience: config.patience,
  cooldown: config.cooldown,
  mode: config.mode,
  threshold: config.threshold,
  threshold_mode: config.threshold_mode,
  eps: config.eps,
});

/** Reduces the lr by `factor` once the reported metric stops improving for `patience` epochs. */
export const reduceLROnPlateau: SchedulerDefinition<Config, PlateauState> = {
  type: 'ReduceLROnPlateau',
  config,

  construct(config, groups) {
    minLrs(config, groups.length);
    return {
      state: {
        last_epoch: 0,
        base_lrs: lrsOf(groups),
        best: config.mode === 'min' ? Infinity : -Infinity,
        num_bad_epochs: 0,
        cooldown_counter: 0,
      },
      groups,
    };
  },

  step(config, state, groups, report) {
    if (report.metric === undefined) {
      throw new InvalidReport(['metric'], 'ReduceLROnPlateau needs the metric it watches in every step');
    }
    const current = report.metric;
    let { best, num_bad_epochs, cooldown_counter } = state;
    if (isBetter(config, current, best)) {
      best = current;
      num_bad_epochs = 0;
    } else {
      num_bad_epochs += 1;
    }
    if (cooldown_counter > 0) {
      cooldown_counter -= 1;
      num_bad_epochs = 0; // bad epochs during cooldown do not count
    }
    let nextGroups = groups;
    if (num_bad_epochs > config.patience) {
      const floors = minLrs(config, groups.length);
      nextGroups = groups.map((group, i) => {
        const floor = floors[i] as number;
        const reduced = group.lr * config.factor;
        const lr = floor > reduced ? floor : reduced; // Python's max(reduced, floor)
        return group.lr - lr > config.eps ? { ...group, lr } : group;
      });
      cooldown_counter = config.cooldown;
      num_bad_epochs = 0;
    }
    const last_epoch = report.epoch ?? state.last_epoch + 1;
    return {
      state: { ...state, last_epoch, best, num_bad_epochs, cooldown_counter },
      groups: nextGroups,
    };
  },

  describe: (_config, state) => ({
    last_epoch: state.last_epoch,
    base_lrs: state.base_lrs,
    plateau: {
      best: state.best,
      num_bad_epochs: state.num_bad_epochs,
      cooldown_counter: state.cooldown_counter,
    },
  }),

  cyclesMomentum: () => false,

  // In the order PyTorch's constructor sets them.
  stateDict: (config, state, groups) => ({
    factor: config.factor,
    default_min_lr: Array.isArray(config.min_lr) ? null : config.min_lr,
    min_lrs: minLrs(config, groups.length),
    patience: config.patience,
    cooldown: config.cooldown,
    eps: config.eps,
    last_epoch: state.last_epoch,
    _last_lr: lrsOf(groups),
    mode_worse: config.mode === 'min' ? Infinity : -Infinity,
    mode: config.mode,
    threshold: config.threshold,
    threshold_mode: config.threshold_mode,
    best: state.best,
    cooldown_counter: state.cooldown_counter,
    num_bad_epochs: state.num_bad_epochs,
  }),

  loadStateDict(config, dict, groups) {
    dict.agrees(attributes(config, groups.length));
    return {
      // step(metrics, epoch) keeps whatever epoch it is given, fractions included.
      last_epoch: dict.finite('last_epoch'),
      // PyTorch keeps no base_lrs here; the groups' lrs at import stand in, as at creation.
      base_lrs: lrsOf(groups),
      best: dict.number('best'),
      num_bad_epochs: dict.integer('num_bad_epochs'),
      cooldown_counter: dict.integer('cooldown_counter'),
    };
  },

  groupKeys: () => [],
  needsMetric: true,
};
