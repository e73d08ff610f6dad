import { z } from 'zod';
import { nonNegativeInt, unitInterval } from './config-fields.js';
import { currentLrs, epochScheduler } from './epoch-scheduler.js';

/** Scales the lr by `factor` until epoch `total_iters`, then restores it. */
export const constantLR = epochScheduler({
  type: 'ConstantLR',
  config: z.strictObject({
    factor: unitInterval('Constant multiplicative factor expected to be between 0 and 1.')
      // PyTorch accepts 0, then divides by it when the constant phase ends.
      .refine((f) => f !== 0, 'factor 0 cannot be undone at total_iters (PyTorch divides by it)')
      .default(1 / 3)
      .describe('Factor applied to the lr until total_iters'),
    total_iters: nonNegativeInt.default(5).describe('Number of epochs the factor applies'),
  }),
  attributes: ({ factor, total_iters }) => ({ factor, total_iters }),
  lrs: ({ factor, total_iters }, at) => {
    if (at.last_epoch === 0) return at.groups.map((g) => g.lr * factor);
    if (at.last_epoch !== total_iters) return currentLrs(at);
    return at.groups.map((g) => g.lr * (1.0 / factor));
  },
  closedForm: ({ factor, total_iters }, at) =>
    at.base_lrs.map((base) => base * (factor + (at.last_epoch >= total_iters ? 1 : 0) * (1 - factor))),
});
