import { z } from 'zod';
import { atMost, MAX_PARAM_GROUPS } from '../limits.js';
import { epochScheduler } from './epoch-scheduler.js';
import { InvalidConfig } from './errors.js';
import { evaluateExpression, expressionField, expressionWorkOf } from './expression-field.js';
import type { ParamGroup } from './param-groups.js';

/** `lr_lambda` as PyTorch takes it: one function for all groups, or one per group. */
export const lrLambdaField = z
  .union([expressionField('epoch'), z.array(expressionField('epoch')).min(1).max(MAX_PARAM_GROUPS, atMost('MAX_PARAM_GROUPS', MAX_PARAM_GROUPS))])
  .describe('Body of `lambda epoch: ...` (Python expression subset), or a list of them, one per group');

export type LrLambda = z.infer<typeof lrLambdaField>;

export function checkLambdaCount(lrLambda: LrLambda, groups: readonly ParamGroup[]): readonly ParamGroup[] {
  if (Array.isArray(lrLambda) && lrLambda.length !== groups.length) {
    throw new InvalidConfig(['lr_lambda'], `Expected ${groups.length} lr_lambdas, but got ${lrLambda.length}`);
  }
  return groups;
}

/** Work units of a step that evaluates `lrLambda` for every group. */
export function lambdaWork(lrLambda: LrLambda, groupCount: number): number {
  const evaluations = Array.isArray(lrLambda)
    ? lrLambda.reduce((sum, source) => sum + expressionWorkOf(source, 'epoch'), 0)
    : groupCount * expressionWorkOf(lrLambda, 'epoch');
  return groupCount + evaluations;
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
  stepWork: ({ lr_lambda }, groupCount) => lambdaWork(lr_lambda, groupCount),
});
