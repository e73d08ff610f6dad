/**
 * Python numbers as the evaluator passes them around. Python's int and float differ in
 * ways an lr_lambda can see: ints are exact and unbounded, never -0, and int ** int stays
 * exact, so `epoch // 30`, `-0` or `3 ** 40 / 7` only come out as Python's if the type is
 * tracked. A value is one of
 *   FLOAT: `num` is the float;
 *   INT:   `num` is an int with |n| <= 2^53 − 1, where double arithmetic is still exact;
 *   BIG:   `big` is an int beyond that.
 * Every AST node owns one PyValue that it overwrites on each evaluation, so evaluating
 * allocates nothing unless an int outgrows 2^53.
 */

import { MAX_INTEGER_BITS } from '../limits.js';
import { pythonError } from '../numerics/index.js';
import { ExpressionEvaluationError } from './errors.js';
import { chargeBigInt } from './work-meter.js';

export const FLOAT = 0;
export const INT = 1;
export const BIG = 2;
type Kind = typeof FLOAT | typeof INT | typeof BIG;

export interface PyValue {
  kind: Kind;
  num: number;
  big: bigint;
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const BIG_MAX_SAFE = BigInt(MAX_SAFE);
const INTEGER_LIMIT = 1n << BigInt(MAX_INTEGER_BITS);

export function newValue(): PyValue {
  return { kind: FLOAT, num: 0, big: 0n };
}

export function isSafeInteger(n: number): boolean {
  return n >= -MAX_SAFE && n <= MAX_SAFE;
}

export function setFloat(out: PyValue, x: number): PyValue {
  out.kind = FLOAT;
  out.num = x;
  return out;
}

/** `n` must be a safe integer. Python's ints have no -0, which JS arithmetic makes (0 * -3): + 0 turns it into 0. */
export function setInt(out: PyValue, n: number): PyValue {
  out.kind = INT;
  out.num = n + 0;
  return out;
}

/** Python's True and False are the ints 1 and 0. */
export function setBool(out: PyValue, b: boolean): PyValue {
  out.kind = INT;
  out.num = b ? 1 : 0;
  return out;
}

export function integerTooLarge(): ExpressionEvaluationError {
  return new ExpressionEvaluationError(
    'LimitExceeded',
    `integer too large: results beyond 2**${MAX_INTEGER_BITS} are not computed`,
  );
}

export function setBigInt(out: PyValue, b: bigint): PyValue {
  if (b >= -BIG_MAX_SAFE && b <= BIG_MAX_SAFE) return setInt(out, Number(b));
  if (b >= INTEGER_LIMIT || b <= -INTEGER_LIMIT) throw integerTooLarge();
  chargeBigInt(b);
  out.kind = BIG;
  out.big = b;
  return out;
}

/** The int equal to an integral double (-0 becomes 0, as int(-0.0) does). */
export function setIntegral(out: PyValue, x: number): PyValue {
  if (isSafeInteger(x)) return setInt(out, x);
  return setBigInt(out, BigInt(x));
}

/** float(int): correctly rounded, OverflowError beyond the doubles, as in Python. */
function bigToFloat(b: bigint): number {
  const x = Number(b);
  if (x === Infinity || x === -Infinity) throw pythonError('OverflowError', 'int too large to convert to float');
  return x;
}

/** The value as a float, the conversion Python makes when an int meets a float. */
export function toFloat(v: PyValue): number {
  return v.kind === BIG ? bigToFloat(v.big) : v.num;
}

/** An int value (INT or BIG) as a bigint. */
export function toBigInt(v: PyValue): bigint {
  return v.kind === BIG ? v.big : BigInt(v.num);
}

/** Python truthiness: only zero is false; NaN is true (and NaN !== 0). */
export function isTruthy(v: PyValue): boolean {
  return v.kind === BIG || v.num !== 0;
}
