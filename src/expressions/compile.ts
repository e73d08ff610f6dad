import { PythonArithmeticError } from '../numerics/index.js';
import { LANGUAGE_KEYWORDS, UNSUPPORTED_KEYWORDS } from './builtins.js';
import { ExpressionEvaluationError, ExpressionSyntaxError } from './errors.js';
import { buildEvaluator } from './evaluate.js';
import { MAX_EXPRESSION_LENGTH } from './limits.js';
import { parse } from './parser.js';

export interface CompiledExpression {
  readonly source: string;
  /**
   * The expression's value where the variable is `value`, as Python computes it. A whole
   * number is bound as a Python int (PyTorch passes ints), anything else (fractions, -0,
   * NaN, ±Infinity) as a float. Throws ExpressionEvaluationError only.
   */
  evaluate(value: number): number;
}

function isValidVariableName(name: unknown): name is string {
  return (
    typeof name === 'string' &&
    /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) &&
    !LANGUAGE_KEYWORDS.has(name) &&
    !UNSUPPORTED_KEYWORDS.has(name)
  );
}

/** Parses `source` where the only free variable is `variable` (e.g. "epoch" or "x"). Throws ExpressionSyntaxError. */
export function compileExpression(source: string, variable: string): CompiledExpression {
  if (typeof source !== 'string') throw new ExpressionSyntaxError('expression must be a string', 0);
  if (!isValidVariableName(variable)) {
    throw new ExpressionSyntaxError(`invalid variable name ${JSON.stringify(String(variable))}`, 0);
  }
  if (source.length > MAX_EXPRESSION_LENGTH) {
    throw new ExpressionSyntaxError(
      `expression is longer than ${MAX_EXPRESSION_LENGTH} characters (it has ${source.length})`,
      MAX_EXPRESSION_LENGTH,
    );
  }
  // The depth, length and integer limits keep the stack and BigInts small; catching
  // RangeError only guards a caller that is itself already deep in the stack.
  let evaluateValue: (value: number) => number;
  try {
    evaluateValue = buildEvaluator(parse(source, variable));
  } catch (error) {
    if (error instanceof RangeError) throw new ExpressionSyntaxError('expression is too complex to compile', 0);
    throw error;
  }
  const evaluate = (value: number): number => {
    try {
      return evaluateValue(value);
    } catch (error) {
      if (error instanceof PythonArithmeticError) throw new ExpressionEvaluationError(error.kind, error.message);
      if (error instanceof RangeError) {
        throw new ExpressionEvaluationError('LimitExceeded', `evaluation exceeded a resource limit: ${error.message}`);
      }
      throw error;
    }
  };
  return Object.freeze({ source, evaluate });
}
