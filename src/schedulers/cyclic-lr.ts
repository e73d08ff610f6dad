import { z } from 'zod';
import { finiteNumber, numberOrPerGroup, positiveInt } from './config-fields.js';
import { epochScheduler, type LrContext } from './epoch-scheduler.js';
import { expressionField, evaluateExpression } from './expression-field.js';
import { perGroup, withMomentum } from './param-groups.js';

const config = z.strictObject({
  base_lr: numberOrPerGroup.describe('Lower lr boundary of the cycle, for all groups or per group'),
  max_lr: numberOrPerGroup.describe('Upper lr boundary of the cycle, for all groups or per group'),
  step_size_up: positiveInt.default(2000).describe('Iterations in the increasing half of a cycle'),
  step_size_down: positiveInt
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

/** The cycle's shape at `iteration`: how far up the cycle we are, and the amplitude scale. */
function cyclePosition(c: Config, iteration: number): { rise: number; scale: number } {
  const up = c.step_size_up;
  const total = up + (c.step_size_down ?? up);
  const ratio = up / total;
  const cycle = Math.floor(1 + iteration / total);
  const x = 1.0 + iteration / total - cycle;
  const rise = x <= ratio ? x / ratio : (x - 1) / (ratio - 1);
  if (c.scale_fn !== null) {
    const at = c.scale_mode === 'cycle' ? cycle : iteration;
    return { rise, scale: evaluateExpression(c.scale_fn, 'x', at, 'scale_fn') };
  }
  switch (c.mode) {
    case 'triangular':
      return { rise, scale: 1.0 };
    case 'triangular2':
      return { rise, scale: 1 / 2.0 ** (cycle - 1) };
    case 'exp_range':
      return { rise, scale: c.gamma ** iteration };
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
    const n = groups.length;
    const baseLrs = perGroup('base_lr', c.base_lr, n);
    perGroup('max_lr', c.max_lr, n);
    const maxMomentums = c.cycle_momentum ? perGroup('max_momentum', c.max_momentum, n) : [];
    if (c.cycle_momentum) perGroup('base_momentum', c.base_momentum, n);
    return groups.map((g, i) => {
      const withLr = { ...g, lr: baseLrs[i] as number };
      return c.cycle_momentum ? withMomentum(withLr, maxMomentums[i] as number) : withLr;
    });
  },
  baseLrs: (c, groups) => perGroup('base_lr', c.base_lr, groups.length),
  lrs(c, at) {
    const { rise, scale } = cyclePosition(c, at.last_epoch);
    const maxLrs = perGroup('max_lr', c.max_lr, at.groups.length);
    return at.base_lrs.map((base, i) => base + ((maxLrs[i] as number) - base) * rise * scale);
  },
  cyclesMomentum: (c) => c.cycle_momentum,
  momentums,
});
