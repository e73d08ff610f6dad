/**
 * One numeric standard for the whole core: Python's float semantics over correctly
 * rounded exp, log, pow, sin, cos and tan, so that scheduler formulas and lr_lambda
 * expressions compute what CPython (and so PyTorch) computes, bit for bit wherever glibc
 * rounds correctly. See README.md beside this file.
 */
export { PythonArithmeticError, pythonError, type ArithmeticErrorKind } from './errors.js';
export {
  PI,
  floatDivide,
  floatFloorDivide,
  floatModulo,
  floatPower,
  mathCos,
  mathExp,
  mathLog,
  mathLogBase,
  mathSin,
  mathSqrt,
  mathTan,
} from './python-float.js';
export { bitLength } from './libm/constants.js';
export { pow2 } from './libm/float-bits.js';
export { fallbackWork } from './libm/accurate.js';
