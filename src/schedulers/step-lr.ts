import { z } from 'zod';
import { floatFloorDivide, floatModulo, floatPower } from '../numerics/index.js';
import { finiteNumber, positiveInt } from './config-fields.js';
import { currentLrs, epochScheduler } from './epoch-scheduler.js';

/** Multiplies the lr by `gamma` every `step_size` epochs. */
export const stepLR = epochScheduler({
  type: 'StepLR',
  config: z.strictObject({
    step_size: positiveInt.describe('Period of lr decay, in epochs'),
    gamma: finiteNumber.default(0.1).describe('Multiplicative factor of lr decay'),
  }),
  attributes: ({ step_size, gamma }) => ({ step_size, gamma }),
  lrs: ({ step_size, gamma }, at) =>
    at.last_epoch === 0 || floatModulo(at.last_epoch, step_size) !== 0
      ? currentLrs(at)
      : at.groups.map((g) => g.lr * gamma),
  closedForm: ({ step_size, gamma }, at) =>
    at.base_lrs.map((base) => base * floatPower(gamma, floatFloorDivide(at.last_epoch, step_size))),
});
