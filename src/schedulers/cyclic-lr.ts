import { z } from 'zod';
import { floatDivide, floatPower } from '../numerics/index.js';
import { finiteNumber, numberOrPerGroup } from './config-fields.js';
import { epochScheduler, type LrContext } from './epoch-scheduler.js';
import { InvalidConfig } from './errors.js';
import { expressionField, evaluateExpression, expressionWorkOf } from './expression-field.js';
import { perGroup, withMomentum } from './param-groups.js';

const config = z.strictObject({
  base_lr: numberOrPerGroup.describe('Lower lr boundary of the cycle, for all groups or per group'),
  max_lr: numberOrPerGroup.describe('Upper lr boundary of the cycle, for all groups or per group'),
  // PyTorch takes float(step_size_up) and float(step_size_down): fractions and a 0 down
  // (a sawtooth) are fine; prepare() refuses the sizes it would divide by zero with.
  step_size_up: finiteNumber.default(2000).describe('Iterations in the increasing half of a cycle'),
  step_size_down: finiteNumber
    .nullable()
    .default(null)
    .describe('Iterations in the decreasing half; null means step_size_up'),
  mode: z.enum(['triangular', 'triangular2', 'exp_range']).default('triangular'),
  gamma: finiteNumber.default(1.0).describe("Base of exp_range's gamma**iterations scaling"),
  scale_fn: expressionField('x')
    .nullable()
    .default(null)
    .describe('Custom scaling policy, an expression in x; overrides mode'),
  scale_mode: z.enum(['cycle', 'iterations']).default('cycle').describe('What scale_fn is given: cycle or iterations'),
  cycle_momentum: z.boolean().default(true).describe('Cycle momentum (or beta1) inversely to the lr'),
  base_momentum: numberOrPerGroup.default(0.8),
  max_momentum: numberOrPerGroup.default(0.9),
});

type Config = z.infer<typeof config>;

const totalSize = (c: Config): number => c.step_size_up + (c.step_size_down ?? c.step_size_up);

/**
 * PyTorch divides step_size_up by the total size, then the first iteration's position
 * (0) by that ratio: a total of 0, or a ratio of 0, raises ZeroDivisionError.
 */
function checkSizes(c: Config): void {
  const total = totalSize(c);
  if (total === 0 || !Number.isFinite(total)) {
    throw new InvalidConfig(
      [c.step_size_down === null ? 'step_size_up' : 'step_size_down'],
      `step_size_up + step_size_down is ${total}, so PyTorch divides by zero`,
    );
  }
  if (c.step_size_up / total === 0) {
    throw new InvalidConfig(['step_size_up'], 'must not be 0: PyTorch divides the first iteration by it');
  }
}

/** The scale mode in force: the built-in modes fix their own, as PyTorch's _init_scale_fn does. */
const scaleMode = (c: Config): Config['scale_mode'] =>
  c.scale_fn !== null ? c.scale_mode : c.mode === 'exp_range' ? 'iterations' : 'cycle';

/** The cycle's shape at `iteration`: how far up the cycle we are, and the amplitude scale. */
function cyclePosition(c: Config, iteration: number): { rise: number; scale: number } {
  const total = totalSize(c);
  const ratio = c.step_size_up / total;
  const cycle = Math.floor(1 + iteration / total);
  const x = 1.0 + iteration / total - cycle;
  const rise = x <= ratio ? floatDivide(x, ratio) : floatDivide(x - 1, ratio - 1);
  if (c.scale_fn !== null) {
    const at = scaleMode(c) === 'cycle' ? cycle : iteration;
    return { rise, scale: evaluateExpression(c.scale_fn, 'x', at, 'scale_fn') };
  }
  switch (c.mode) {
    case 'triangular':
      return { rise, scale: 1.0 };
    case 'triangular2':
      return { rise, scale: floatDivide(1, floatPower(2.0, cycle - 1)) };
    case 'exp_range':
      return { rise, scale: floatPower(c.gamma, iteration) };
  }
}

function momentums(c: Config, at: LrContext): number[] {
  const { rise, scale } = cyclePosition(c, at.last_epoch);
  const n = at.groups.length;
  const bases = perGroup('base_momentum', c.base_momentum, n);
  return perGroup('max_momentum', c.max_momentum, n).map(
    (max, i) => max - (max - (bases[i] as number)) * rise * scale,
  );
}

/**
 * Cycles the lr between base_lr and max_lr (Smith's cyclical learning rates), and
 * momentum inversely; meant to be stepped every batch.
 */
export const cyclicLR = epochScheduler({
  type: 'CyclicLR',
  config,
  prepare(c, groups) {
    checkSizes(c);
    const n = groups.length;
    const baseLrs = perGroup('base_lr', c.base_lr, n);
    perGroup('max_lr', c.max_lr, n);
    if (!c.cycle_momentum) return groups.map((g, i) => ({ ...g, lr: baseLrs[i] as number }));
    const maxMomentums = perGroup('max_momentum', c.max_momentum, n);
    const baseMomentums = perGroup('base_momentum', c.base_momentum, n);
    return groups.map((g, i) => {
      const max_momentum = maxMomentums[i] as number;
      const base_momentum = baseMomentums[i] as number;
      return withMomentum({ ...g, lr: baseLrs[i] as number, max_momentum, base_momentum }, max_momentum);
    });
  },
  baseLrs: (c, groups) => perGroup('base_lr', c.base_lr, groups.length),
  attributes(c, groups) {
    const n = groups.length;
    return {
      max_lrs: perGroup('max_lr', c.max_lr, n),
      total_size: totalSize(c),
      step_ratio: c.step_size_up / totalSize(c),
      mode: c.mode,
      gamma: c.gamma,
      scale_mode: scaleMode(c),
      cycle_momentum: c.cycle_momentum,
      ...(c.cycle_momentum
        ? {
            use_beta1: groups[0]?.betas !== undefined,
            base_momentums: perGroup('base_momentum', c.base_momentum, n),
            max_momentums: perGroup('max_momentum', c.max_momentum, n),
          }
        : {}),
    };
  },
  // A scale_fn is a lambda, which PyTorch saves as null.
  callables: () => ({ _scale_fn_custom: null }),
  lrs(c, at) {
    const { rise, scale } = cyclePosition(c, at.last_epoch);
    const maxLrs = perGroup('max_lr', c.max_lr, at.groups.length);
    return at.base_lrs.map((base, i) => base + ((maxLrs[i] as number) - base) * rise * scale);
  },
  cyclesMomentum: (c) => c.cycle_momentum,
  momentums,
  // scale_fn is evaluated once for the lrs and once for the momentums.
  stepWork: (c, groupCount) => groupCount + (c.scale_fn === null ? 0 : 2 * expressionWorkOf(c.scale_fn, 'x')),
});
