import { z } from 'zod';
import { floatDivide, floatModulo, mathCos, PI } from '../numerics/index.js';
import { finiteNumber, positiveInt } from './config-fields.js';
import { currentLrs, epochScheduler, type LrContext } from './epoch-scheduler.js';

const config = z.strictObject({
  T_max: positiveInt.describe('Maximum number of iterations (half a cosine period)'),
  eta_min: finiteNumber.default(0).describe('Minimum learning rate'),
});

function closedForm({ T_max, eta_min }: z.infer<typeof config>, at: LrContext): number[] {
  return at.base_lrs.map((base) => eta_min + ((base - eta_min) * (1 + mathCos((PI * at.last_epoch) / T_max))) / 2);
}

/**
 * Cosine annealing from the base lr to `eta_min` over `T_max` epochs. Stepped without
 * an epoch, PyTorch applies the recursive form, which keeps oscillating past T_max.
 * Each formula is PyTorch's, term for term in its order: the roundings are the same.
 */
export const cosineAnnealingLR = epochScheduler({
  type: 'CosineAnnealingLR',
  config,
  attributes: ({ T_max, eta_min }) => ({ T_max, eta_min }),
  lrs: (config, at) => {
    const { T_max, eta_min } = config;
    const e = at.last_epoch;
    if (at.initial) return currentLrs(at);
    if (at.step_count === 1 && e > 0) {
      // PyTorch writes this one `last_epoch * pi`, the closed form `pi * last_epoch`: the same product.
      return closedForm(config, at);
    }
    if (floatModulo(e - 1 - T_max, 2 * T_max) === 0) {
      // The previous epoch sat at the bottom of the curve, where the ratio below would
      // divide by 1 + cos(pi) = 0; PyTorch adds the step up from eta_min instead.
      return at.groups.map(
        (g, i) => g.lr + (((at.base_lrs[i] as number) - eta_min) * (1 - mathCos(PI / T_max))) / 2,
      );
    }
    return at.groups.map(
      (g) =>
        floatDivide(1 + mathCos((PI * e) / T_max), 1 + mathCos((PI * (e - 1)) / T_max)) * (g.lr - eta_min) + eta_min,
    );
  },
  closedForm,
});
