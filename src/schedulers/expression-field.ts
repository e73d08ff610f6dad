import { z } from 'zod';
import { atMost, MAX_EXPRESSION_LENGTH } from '../limits.js';
import {
  compileExpression,
  ExpressionEvaluationError,
  ExpressionSyntaxError,
  type CompiledExpression,
} from '../expressions/index.js';
import { StepRefused, WorkLimitExceeded } from './errors.js';
import { expressionWork } from './work.js';

/**
 * Expression strings (lr_lambda, scale_fn) stay plain strings in configs, so configs
 * stay JSON; compiled forms are cached because previews evaluate them ~10^5 times.
 * One map per variable name (there are two), keyed by source: a lookup builds no key.
 */
const compiledByVariable = new Map<string, Map<string, CompiledExpression>>();
const CACHE_LIMIT = 1000;

function compiledExpression(source: string, variable: string): CompiledExpression {
  let compiled = compiledByVariable.get(variable);
  if (!compiled) {
    compiled = new Map();
    compiledByVariable.set(variable, compiled);
  }
  let expression = compiled.get(source);
  if (!expression) {
    expression = compileExpression(source, variable);
    if (compiled.size >= CACHE_LIMIT) compiled.clear();
    compiled.set(source, expression);
  }
  return expression;
}

/** Work units of one evaluation of a (valid) expression. */
export function expressionWorkOf(source: string, variable: string): number {
  return expressionWork(compiledExpression(source, variable).operations);
}

const expressionLength = atMost('MAX_EXPRESSION_LENGTH', MAX_EXPRESSION_LENGTH);

/** A zod string that must parse as an expression in `variable`; the issue names the position. */
export function expressionField(variable: string) {
  return z.string().max(MAX_EXPRESSION_LENGTH, expressionLength).superRefine((source, ctx) => {
    if (source.length > MAX_EXPRESSION_LENGTH) return; // max() has said so
    try {
      compiledExpression(source, variable);
    } catch (error) {
      if (!(error instanceof ExpressionSyntaxError)) throw error;
      ctx.addIssue({ code: 'custom', message: error.message, params: { position: error.position } });
    }
  });
}

/**
 * Evaluates a user expression where PyTorch would call the Python lambda; what Python
 * would raise, and any non-finite result, refuses the step. The refusal names the config
 * field the expression came from (`field`, or `field[index]` for a per-group list), so a
 * constructor's own step refuses that field. The path is built only for a refusal: this
 * runs on every step of every group.
 */
export function evaluateExpression(source: string, variable: string, value: number, field: string, index?: number): number {
  let result: number;
  try {
    result = compiledExpression(source, variable).evaluate(value);
  } catch (error) {
    if (error instanceof ExpressionEvaluationError) {
      if (error.kind === 'WorkLimitExceeded') {
        throw new WorkLimitExceeded(index === undefined ? [field] : [field, index], error.message, 'MAX_BIGINT_WORK');
      }
      throw refusal(`failed at ${variable} = ${value}: ${error.message}`, field, index);
    }
    throw error;
  }
  if (!Number.isFinite(result)) throw refusal(`is ${result} at ${variable} = ${value}, not a finite number`, field, index);
  return result;
}

/** "lr_lambda[1] failed at …", naming the field as Python code would. */
function refusal(what: string, field: string, index: number | undefined): StepRefused {
  return index === undefined
    ? new StepRefused(`${field} ${what}`, [field])
    : new StepRefused(`${field}[${index}] ${what}`, [field, index]);
}
