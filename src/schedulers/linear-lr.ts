import { z } from 'zod';
import { floatDivide } from '../numerics/index.js';
import { finiteNumber, positiveInt, unitInterval } from './config-fields.js';
import { currentLrs, epochScheduler } from './epoch-scheduler.js';

/** Scales the lr linearly from `start_factor` to `end_factor` over `total_iters` epochs. */
export const linearLR = epochScheduler({
  type: 'LinearLR',
  config: z.strictObject({
    start_factor: finiteNumber
      .refine(
        (f) => f > 0 && f <= 1,
        'Starting multiplicative factor expected to be greater than 0 and less or equal to 1.',
      )
      .default(1 / 3)
      .describe('Factor applied to the lr at the first epoch'),
    end_factor: unitInterval('Ending multiplicative factor expected to be between 0 and 1.')
      .default(1.0)
      .describe('Factor reached at total_iters'),
    // The closed form divides by total_iters, so 0 could never take step(epoch).
    total_iters: positiveInt.default(5).describe('Number of epochs of the linear ramp'),
  }),
  attributes: ({ start_factor, end_factor, total_iters }) => ({ start_factor, end_factor, total_iters }),
  lrs: ({ start_factor, end_factor, total_iters }, at) => {
    const e = at.last_epoch;
    if (e === 0) return at.groups.map((g) => g.lr * start_factor);
    if (at.initial || e > total_iters) return currentLrs(at);
    return at.groups.map(
      (g) =>
        g.lr *
        (1.0 +
          floatDivide(end_factor - start_factor, total_iters * start_factor + (e - 1) * (end_factor - start_factor))),
    );
  },
  closedForm: ({ start_factor, end_factor, total_iters }, at) =>
    at.base_lrs.map(
      (base) =>
        base *
        (start_factor + ((end_factor - start_factor) * Math.min(total_iters, at.last_epoch)) / total_iters),
    ),
});
