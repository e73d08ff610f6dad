import type { ArithmeticErrorKind } from '../numerics/index.js';

/**
 * A syntax/name/limit error found while compiling; `position` is the 0-based character
 * offset in the source (a UTF-16 index, as String.prototype.slice counts).
 */
export class ExpressionSyntaxError extends Error {
  readonly position: number;

  constructor(message: string, position: number) {
    super(message);
    this.name = 'ExpressionSyntaxError';
    this.position = position;
  }
}

/** A syntax error pointing at `position`, with a hint on what to write instead. */
export function syntaxErrorAt(message: string, position: number, hint?: string): ExpressionSyntaxError {
  return new ExpressionSyntaxError(`${message} at position ${position}${hint ? ` (${hint})` : ''}`, position);
}

/**
 * Why an evaluation failed: the exception Python would raise, or one of the cases where we
 * refuse what Python would return: a complex number (a negative number to a fractional
 * power), an integer beyond MAX_INTEGER_BITS, or big-integer work beyond the allowance of
 * the request (see work-meter.ts).
 */
export type EvaluationErrorKind = ArithmeticErrorKind | 'LimitExceeded' | 'WorkLimitExceeded';

/** A runtime domain error Python would raise (ZeroDivisionError, math domain error, complex result, ...). */
export class ExpressionEvaluationError extends Error {
  readonly kind: EvaluationErrorKind;

  constructor(kind: EvaluationErrorKind, message: string) {
    super(message);
    this.name = 'ExpressionEvaluationError';
    this.kind = kind;
  }
}
