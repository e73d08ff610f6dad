/**
 * Python's arithmetic and comparison operators on PyValues: int op int stays an exact
 * int (except /), anything involving a float converts the int to float first (which
 * raises OverflowError for ints beyond the doubles), and errors are the ones Python raises.
 * Each writes its result into `out`, the calling node's own value.
 */

import { floatDivide, floatFloorDivide, floatModulo, floatPower, pythonError } from '../numerics/index.js';
import {
  floorDivideBig,
  floorDivideSafe,
  intPower,
  moduloBig,
  moduloSafe,
  trueDivideBig,
} from './python-int.js';
import { BIG, FLOAT, INT, isSafeInteger, setBigInt, setFloat, setInt, toBigInt, toFloat, type PyValue } from './values.js';

export type BinaryOperation = (out: PyValue, a: PyValue, b: PyValue) => PyValue;
export type Comparison = (a: PyValue, b: PyValue) => boolean;

function isIntZero(v: PyValue): boolean {
  return v.kind === INT && v.num === 0;
}

export function add(out: PyValue, a: PyValue, b: PyValue): PyValue {
  if (a.kind === FLOAT || b.kind === FLOAT) return setFloat(out, toFloat(a) + toFloat(b));
  if (a.kind === INT && b.kind === INT) {
    const r = a.num + b.num;
    if (isSafeInteger(r)) return setInt(out, r);
  }
  return setBigInt(out, toBigInt(a) + toBigInt(b));
}

export function subtract(out: PyValue, a: PyValue, b: PyValue): PyValue {
  if (a.kind === FLOAT || b.kind === FLOAT) return setFloat(out, toFloat(a) - toFloat(b));
  if (a.kind === INT && b.kind === INT) {
    const r = a.num - b.num;
    if (isSafeInteger(r)) return setInt(out, r);
  }
  return setBigInt(out, toBigInt(a) - toBigInt(b));
}

export function multiply(out: PyValue, a: PyValue, b: PyValue): PyValue {
  if (a.kind === FLOAT || b.kind === FLOAT) return setFloat(out, toFloat(a) * toFloat(b));
  if (a.kind === INT && b.kind === INT) {
    const r = a.num * b.num;
    if (isSafeInteger(r)) return setInt(out, r);
  }
  return setBigInt(out, toBigInt(a) * toBigInt(b));
}

export function trueDivide(out: PyValue, a: PyValue, b: PyValue): PyValue {
  if (a.kind === FLOAT || b.kind === FLOAT) return setFloat(out, floatDivide(toFloat(a), toFloat(b)));
  if (isIntZero(b)) throw pythonError('ZeroDivisionError', 'division by zero');
  // Ints below 2^53 are exact doubles, so IEEE division already rounds a / b correctly.
  if (a.kind === INT && b.kind === INT) return setFloat(out, a.num / b.num);
  return setFloat(out, trueDivideBig(toBigInt(a), toBigInt(b)));
}

export function floorDivide(out: PyValue, a: PyValue, b: PyValue): PyValue {
  if (a.kind === FLOAT || b.kind === FLOAT) return setFloat(out, floatFloorDivide(toFloat(a), toFloat(b)));
  if (isIntZero(b)) throw pythonError('ZeroDivisionError', 'integer division or modulo by zero');
  if (a.kind === INT && b.kind === INT) return floorDivideSafe(out, a.num, b.num);
  return setBigInt(out, floorDivideBig(toBigInt(a), toBigInt(b)));
}

export function modulo(out: PyValue, a: PyValue, b: PyValue): PyValue {
  if (a.kind === FLOAT || b.kind === FLOAT) return setFloat(out, floatModulo(toFloat(a), toFloat(b)));
  if (isIntZero(b)) throw pythonError('ZeroDivisionError', 'integer division or modulo by zero');
  if (a.kind === INT && b.kind === INT) return setInt(out, moduloSafe(a.num, b.num));
  return setBigInt(out, moduloBig(toBigInt(a), toBigInt(b)));
}

export function power(out: PyValue, a: PyValue, b: PyValue): PyValue {
  const negativeExponent = b.kind === BIG ? b.big < 0n : b.num < 0;
  // int ** int stays exact unless the exponent is negative; then Python computes in floats.
  if (a.kind !== FLOAT && b.kind !== FLOAT && !negativeExponent) return intPower(out, a, b);
  return setFloat(out, floatPower(toFloat(a), toFloat(b)));
}

export function negate(out: PyValue, a: PyValue): PyValue {
  if (a.kind === FLOAT) return setFloat(out, -a.num);
  if (a.kind === INT) return setInt(out, -a.num);
  return setBigInt(out, -a.big);
}

/**
 * a <=> b exactly, when at least one side is a big int: JavaScript compares a bigint
 * with a number by mathematical value, as Python compares int with float. NaN if unordered.
 */
function compareWithBig(a: PyValue, b: PyValue): number {
  const x = a.kind === BIG ? a.big : a.num;
  const y = b.kind === BIG ? b.big : b.num;
  if (x !== x || y !== y) return NaN;
  return x < y ? -1 : x > y ? 1 : 0;
}

export const lessThan: Comparison = (a, b) =>
  a.kind !== BIG && b.kind !== BIG ? a.num < b.num : compareWithBig(a, b) < 0;
export const lessOrEqual: Comparison = (a, b) =>
  a.kind !== BIG && b.kind !== BIG ? a.num <= b.num : compareWithBig(a, b) <= 0;
export const greaterThan: Comparison = (a, b) =>
  a.kind !== BIG && b.kind !== BIG ? a.num > b.num : compareWithBig(a, b) > 0;
export const greaterOrEqual: Comparison = (a, b) =>
  a.kind !== BIG && b.kind !== BIG ? a.num >= b.num : compareWithBig(a, b) >= 0;
export const equal: Comparison = (a, b) =>
  a.kind !== BIG && b.kind !== BIG ? a.num === b.num : compareWithBig(a, b) === 0;
export const notEqual: Comparison = (a, b) =>
  a.kind !== BIG && b.kind !== BIG ? a.num !== b.num : compareWithBig(a, b) !== 0;
