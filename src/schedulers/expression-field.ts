import { z } from 'zod';
import {
  compileExpression,
  ExpressionEvaluationError,
  ExpressionSyntaxError,
  type CompiledExpression,
} from '../expressions/index.js';
import { StepRefused, type FieldPath } from './errors.js';

/**
 * Expression strings (lr_lambda, scale_fn) stay plain strings in configs, so configs
 * stay JSON; compiled forms are cached because previews evaluate them ~10^5 times.
 */
const compiled = new Map<string, CompiledExpression>();
const CACHE_LIMIT = 1000;

export function compiledExpression(source: string, variable: string): CompiledExpression {
  const key = `${variable}\u0000${source}`;
  let expression = compiled.get(key);
  if (!expression) {
    expression = compileExpression(source, variable);
    if (compiled.size >= CACHE_LIMIT) compiled.clear();
    compiled.set(key, expression);
  }
  return expression;
}

/** A zod string that must parse as an expression in `variable`; the issue names the position. */
export function expressionField(variable: string) {
  return z.string().superRefine((source, ctx) => {
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
 * field the expression came from, so a constructor's own step refuses that field.
 */
export function evaluateExpression(source: string, variable: string, value: number, field: FieldPath): number {
  let result: number;
  try {
    result = compiledExpression(source, variable).evaluate(value);
  } catch (error) {
    if (error instanceof ExpressionEvaluationError) {
      throw new StepRefused(`${pythonName(field)} failed at ${variable} = ${value}: ${error.message}`, field);
    }
    throw error;
  }
  if (!Number.isFinite(result)) {
    throw new StepRefused(`${pythonName(field)} is ${result} at ${variable} = ${value}, not a finite number`, field);
  }
  return result;
}

/** A field as Python code would name it in a message: `lr_lambda[1]`. */
const pythonName = (field: FieldPath): string =>
  field.map((part, i) => (typeof part === 'number' ? `[${part}]` : i > 0 ? `.${part}` : part)).join('');
