import { z } from 'zod';
import { epochScheduler } from './epoch-scheduler.js';
import { InvalidConfig } from './errors.js';
import { evaluateExpression, expressionField } from './expression-field.js';
import type { ParamGroup } from './param-groups.js';

/** `lr_lambda` as PyTorch takes it: one function for all groups, or one per group. */
export const lrLambdaField = z
  .union([expressionField('epoch'), z.array(expressionField('epoch')).min(1)])
  .describe('Body of `lambda epoch: ...` (Python expression subset), or a list of them, one per group');

export type LrLambda = z.infer<typeof lrLambdaField>;

export function checkLambdaCount(lrLambda: LrLambda, groups: readonly ParamGroup[]): readonly ParamGroup[] {
  if (Array.isArray(lrLambda) && lrLambda.length !== groups.length) {
    throw new InvalidConfig(['lr_lambda'], `Expected ${groups.length} lr_lambdas, but got ${lrLambda.length}`);
  }
  return groups;
}

/** PyTorch saves plain functions as null, one per group. */
export const lambdaAttributes = (groups: readonly ParamGroup[]) => ({ lr_lambdas: groups.map(() => null) });

/** The factor group `i`'s lambda gives at `epoch`. */
export function lambdaFactor(lrLambda: LrLambda, i: number, epoch: number): number {
  return Array.isArray(lrLambda)
    ? evaluateExpression(lrLambda[i] as string, 'epoch', epoch, 'lr_lambda', i)
    : evaluateExpression(lrLambda, 'epoch', epoch, 'lr_lambda');
}

/** The lr is the base lr times a function of the epoch. */
export const lambdaLR = epochScheduler({
  type: 'LambdaLR',
  config: z.strictObject({ lr_lambda: lrLambdaField }),
  prepare: (config, groups) => checkLambdaCount(config.lr_lambda, groups),
  attributes: () => ({}),
  callables: (_config, groups) => lambdaAttributes(groups),
  lrs: ({ lr_lambda }, at) => at.base_lrs.map((base, i) => base * lambdaFactor(lr_lambda, i, at.last_epoch)),
});
