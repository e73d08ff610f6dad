/**
 * Python's float semantics where JavaScript's differ: division by zero raises, floor
 * division and modulo take the sign of the divisor, CPython's float ** float special
 * cases, and the math module's errors (ValueError for a domain error, OverflowError for a
 * range error) around correctly rounded exp/log/sin/cos/tan/pow. Operands are plain
 * doubles. An integral double stands for a Python int as well: for ints below 2^53 these
 * give the value int arithmetic gives (callers that keep exact ints beyond that, the
 * expression evaluator, convert first).
 */

import { PythonArithmeticError, pythonError } from './errors.js';
import { crExp, crLog, crPow } from './libm/exp-log.js';
import { crCos, crSin, crTan } from './libm/trig.js';

/** math.pi: the double nearest π, the same as Math.PI. */
export const PI = Math.PI;

function copysignZero(sign: number): number {
  return sign < 0 || Object.is(sign, -0) ? -0 : 0;
}

/** a / b, which raises ZeroDivisionError for b == 0 where JavaScript gives an infinity or NaN. */
export function floatDivide(a: number, b: number): number {
  if (b === 0) throw pythonError('ZeroDivisionError', 'float division by zero');
  return a / b;
}

/** float % float, as CPython's float_rem: the result takes the divisor's sign. */
export function floatModulo(vx: number, wx: number): number {
  if (wx === 0) throw pythonError('ZeroDivisionError', 'float modulo');
  let mod = vx % wx; // JS % is C's fmod, exactly
  // `mod !== 0` is true for NaN, as C's `if (mod)` is.
  if (mod !== 0) {
    if (wx < 0 !== mod < 0) mod += wx;
  } else {
    mod = copysignZero(wx);
  }
  return mod;
}

/**
 * float // float, as CPython's _float_div_mod: the quotient comes from the unadjusted
 * fmod, then steps down by one and snaps to the nearest integer, which is not always
 * floor(vx / wx).
 */
export function floatFloorDivide(vx: number, wx: number): number {
  if (wx === 0) throw pythonError('ZeroDivisionError', 'float floor division by zero');
  const mod = vx % wx;
  let div = (vx - mod) / wx;
  if (mod !== 0 && wx < 0 !== mod < 0) div -= 1;
  if (div !== 0) {
    let floordiv = Math.floor(div);
    if (div - floordiv > 0.5) floordiv += 1;
    return floordiv;
  }
  return copysignZero(vx / wx);
}

function isOddInteger(x: number): boolean {
  return Math.abs(x) % 2 === 1;
}

/** float ** float, following CPython's float_pow case by case; libm's pow is crPow. */
export function floatPower(iv: number, iw: number): number {
  if (iw === 0) return 1; // even 0 ** 0 and nan ** 0
  if (iv !== iv) return iv;
  if (iw !== iw) return iv === 1 ? 1 : iw; // 1 ** nan is 1; Math.pow says NaN
  if (iw === Infinity || iw === -Infinity) {
    const abs = Math.abs(iv);
    if (abs === 1) return 1;
    return iw > 0 === abs > 1 ? Infinity : 0;
  }
  if (iv === Infinity || iv === -Infinity) {
    const odd = isOddInteger(iw);
    if (iw > 0) return odd ? iv : Infinity;
    return odd ? copysignZero(iv) : 0;
  }
  if (iv === 0) {
    if (iw < 0) throw pythonError('ZeroDivisionError', '0.0 cannot be raised to a negative power');
    return isOddInteger(iw) ? iv : 0;
  }
  let negate = false;
  if (iv < 0) {
    if (iw !== Math.floor(iw)) {
      // CPython hands this to complex ** , whose magnitude |iv| ** iw can still overflow first.
      if (crPow(-iv, iw) === Infinity) throw pythonError('OverflowError', 'complex exponentiation');
      throw new PythonArithmeticError(
        'ComplexResult',
        `complex result: ${iv} ** ${iw} is a complex number in Python (a negative number to a fractional power)`,
      );
    }
    iv = -iv;
    negate = isOddInteger(iw);
  }
  if (iv === 1) return negate ? -1 : 1;
  const result = crPow(iv, iw);
  if (result === Infinity) throw pythonError('OverflowError', 'numerical result out of range');
  return negate ? -result : result;
}

function domainError(): PythonArithmeticError {
  return pythonError('ValueError', 'math domain error');
}

export function mathExp(x: number): number {
  const r = crExp(x);
  if (r === Infinity && x !== Infinity) throw pythonError('OverflowError', 'math range error');
  return r;
}

/** math.log of a float (CPython's m_log): log(0) and log of negatives are domain errors. */
export function mathLog(x: number): number {
  if (x !== x || x === Infinity) return x;
  if (x <= 0) throw domainError(); // includes −inf
  return crLog(x);
}

/** math.log(x, base): CPython divides the two logarithms, raising for a base of 1. */
export function mathLogBase(x: number, base: number): number {
  return floatDivide(mathLog(x), mathLog(base));
}

export function mathSqrt(x: number): number {
  if (x < 0) throw domainError(); // sqrt(−0.0) is −0.0, no error
  return Math.sqrt(x); // IEEE sqrt is correctly rounded everywhere
}

function checkTrigArgument(x: number): void {
  if (x === Infinity || x === -Infinity) throw domainError();
}

export function mathSin(x: number): number {
  if (x !== x) return x;
  checkTrigArgument(x);
  return crSin(x);
}

export function mathCos(x: number): number {
  if (x !== x) return x;
  checkTrigArgument(x);
  return crCos(x);
}

export function mathTan(x: number): number {
  if (x !== x) return x;
  checkTrigArgument(x);
  return crTan(x);
}
