import { z } from 'zod';
import { currentLrs, epochScheduler } from './epoch-scheduler.js';
import { checkLambdaCount, lambdaFactor, lrLambdaField } from './lambda-lr.js';

/** Multiplies the current lr by a function of the epoch, every epoch after the first. */
export const multiplicativeLR = epochScheduler({
  type: 'MultiplicativeLR',
  config: z.strictObject({ lr_lambda: lrLambdaField }),
  prepare: (config, groups) => checkLambdaCount(config.lr_lambda, groups),
  lrs: ({ lr_lambda }, at) =>
    at.last_epoch > 0
      ? at.groups.map((g, i) => g.lr * lambdaFactor(lr_lambda, i, at.last_epoch))
      : currentLrs(at),
});
