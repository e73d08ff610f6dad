import { z } from 'zod';
import { floatPower } from '../numerics/index.js';
import { finiteNumber } from './config-fields.js';
import { currentLrs, epochScheduler } from './epoch-scheduler.js';

/** Multiplies the lr by `gamma` every epoch. */
export const exponentialLR = epochScheduler({
  type: 'ExponentialLR',
  config: z.strictObject({
    gamma: finiteNumber.describe('Multiplicative factor of lr decay'),
  }),
  attributes: ({ gamma }) => ({ gamma }),
  lrs: ({ gamma }, at) => (at.initial ? currentLrs(at) : at.groups.map((g) => g.lr * gamma)),
  closedForm: ({ gamma }, at) => at.base_lrs.map((base) => base * floatPower(gamma, at.last_epoch)),
});
