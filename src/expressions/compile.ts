import { MAX_EXPRESSION_LENGTH } from '../limits.js';
import { fallbackWork, PythonArithmeticError } from '../numerics/index.js';
import { LANGUAGE_KEYWORDS, UNSUPPORTED_KEYWORDS } from './builtins.js';
import { ExpressionEvaluationError, ExpressionSyntaxError } from './errors.js';
import { buildEvaluator } from './evaluate.js';
import { parse } from './parser.js';
import { chargeWork } from './work-meter.js';

export interface CompiledExpression {
  readonly source: string;
  /** Operations of its syntax tree (a node each, a libm call 16): the most one evaluation runs. */
  readonly operations: number;
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
  let built: ReturnType<typeof buildEvaluator>;
  try {
    built = buildEvaluator(parse(source, variable));
  } catch (error) {
    if (error instanceof RangeError) throw new ExpressionSyntaxError('expression is too complex to compile', 0);
    throw error;
  }
  const evaluateValue = built.evaluate;
  const evaluate = (value: number): number => {
    const fallbackBefore = fallbackWork();
    try {
      return evaluateValue(value);
    } catch (error) {
      if (error instanceof PythonArithmeticError) throw new ExpressionEvaluationError(error.kind, error.message);
      if (error instanceof RangeError) {
        throw new ExpressionEvaluationError('LimitExceeded', `evaluation exceeded a resource limit: ${error.message}`);
      }
      throw error;
    } finally {
      // The libm's fixed-point fallback is BigInt work too, spent on this expression's behalf.
      const fallback = fallbackWork() - fallbackBefore;
      if (fallback > 0) chargeWork(fallback);
    }
  };
  return Object.freeze({ source, operations: built.operations, evaluate });
}
