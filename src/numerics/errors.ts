/**
 * Why a computation stopped where Python's would: the exception CPython raises for float
 * arithmetic and the math module, or a complex result (a negative number to a fractional
 * power), which Python returns but no learning rate can be.
 */
export type ArithmeticErrorKind = 'ZeroDivisionError' | 'ValueError' | 'OverflowError' | 'ComplexResult';

export class PythonArithmeticError extends Error {
  constructor(
    readonly kind: ArithmeticErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'PythonArithmeticError';
  }
}

/** Python's own exceptions read as Python prints them, e.g. "ZeroDivisionError: float division by zero". */
export function pythonError(
  kind: Exclude<ArithmeticErrorKind, 'ComplexResult'>,
  detail: string,
): PythonArithmeticError {
  return new PythonArithmeticError(kind, `${kind}: ${detail}`);
}
