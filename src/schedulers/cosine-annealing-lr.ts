import { z } from 'zod';
import { finiteNumber, positiveInt } from './config-fields.js';
import { currentLrs, epochScheduler, type LrContext } from './epoch-scheduler.js';

const config = z.strictObject({
  T_max: positiveInt.describe('Maximum number of iterations (half a cosine period)'),
  eta_min: finiteNumber.default(0).describe('Minimum learning rate'),
});

function closedForm({ T_max, eta_min }: z.infer<typeof config>, at: LrContext): number[] {
  return at.base_lrs.map(
    (base) => eta_min + ((base - eta_min) * (1 + Math.cos((Math.PI * at.last_epoch) / T_max))) / 2,
  );
}

/**
 * Cosine annealing from the base lr to `eta_min` over `T_max` epochs. Stepped without
 * an epoch, PyTorch applies the recursive form, which keeps oscillating past T_max.
 */
export const cosineAnnealingLR = epochScheduler({
  type: 'CosineAnnealingLR',
  config,
  attributes: ({ T_max, eta_min }) => ({ T_max, eta_min }),
  lrs: (config, at) => {
    const { T_max, eta_min } = config;
    const e = at.last_epoch;
    if (at.initial) return currentLrs(at);
    if (at.step_count === 1 && e > 0) return closedForm(config, at);
    if ((e - 1 - T_max) % (2 * T_max) === 0) {
      // The previous epoch sat at the bottom of the curve, where the ratio below would
      // divide by 1 + cos(pi) = 0; PyTorch adds the step up from eta_min instead.
      return at.groups.map(
        (g, i) => g.lr + ((at.base_lrs[i] as number) - eta_min) * (1 - Math.cos(Math.PI / T_max)) / 2,
      );
    }
    return at.groups.map(
      (g) =>
        ((1 + Math.cos((Math.PI * e) / T_max)) / (1 + Math.cos((Math.PI * (e - 1)) / T_max))) *
          (g.lr - eta_min) +
        eta_min,
    );
  },
  closedForm,
});
