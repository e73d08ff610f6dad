import { z } from 'zod';
import { currentLrs, epochScheduler } from './epoch-scheduler.js';
import { checkLambdaCount, lambdaAttributes, lambdaFactor, lambdaWork, lrLambdaField } from './lambda-lr.js';

/** Multiplies the current lr by a function of the epoch, every epoch after the first. */
export const multiplicativeLR = epochScheduler({
  type: 'MultiplicativeLR',
  config: z.strictObject({ lr_lambda: lrLambdaField }),
  prepare: (config, groups) => checkLambdaCount(config.lr_lambda, groups),
  attributes: () => ({}),
  callables: (_config, groups) => lambdaAttributes(groups),
  // PyTorch 2.13 multiplies on every step but the constructor's, epoch 0 included
  // (as when SequentialLR restarts it); 1.13 skipped epoch 0.
  lrs: ({ lr_lambda }, at) =>
    at.initial ? currentLrs(at) : at.groups.map((g, i) => g.lr * lambdaFactor(lr_lambda, i, at.last_epoch)),
  stepWork: ({ lr_lambda }, groupCount) => lambdaWork(lr_lambda, groupCount),
});
