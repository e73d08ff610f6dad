import { z } from 'zod';
import { floatDivide, floatPower } from '../numerics/index.js';
import { finiteNumber, positiveInt } from './config-fields.js';
import { currentLrs, epochScheduler } from './epoch-scheduler.js';

/** Decays the lr polynomially to 0 over `total_iters` epochs. */
export const polynomialLR = epochScheduler({
  type: 'PolynomialLR',
  config: z.strictObject({
    // Both forms divide by total_iters.
    total_iters: positiveInt.default(5).describe('Number of epochs over which the lr decays'),
    power: finiteNumber.default(1.0).describe('Power of the polynomial'),
  }),
  attributes: ({ total_iters, power }) => ({ total_iters, power }),
  lrs: ({ total_iters, power }, at) => {
    const e = at.last_epoch;
    if (at.initial || e > total_iters) return currentLrs(at);
    const decay = floatPower(floatDivide(1.0 - e / total_iters, 1.0 - (e - 1) / total_iters), power);
    return at.groups.map((g) => g.lr * decay);
  },
  closedForm: ({ total_iters, power }, at) =>
    at.base_lrs.map((base) => base * floatPower(1.0 - Math.min(total_iters, at.last_epoch) / total_iters, power)),
});
