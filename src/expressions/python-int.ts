/**
 * Python int arithmetic where it differs from floats: floor division and modulo that are
 * exact at any size, exact powers, correctly rounded int / int even beyond 2^53, and
 * math.log of ints too large for a double.
 */

import { MAX_INTEGER_BITS } from '../limits.js';
import { bitLength, pow2, pythonError } from '../numerics/index.js';
import { BIG, INT, integerTooLarge, setBigInt, setInt, type PyValue } from './values.js';

/** Below this, a − (a mod b) cannot exceed 2^53, so the float steps in floorDivide are exact. */
const EXACT_FLOOR_LIMIT = pow2(52);

/** a // b for safe ints (b != 0), rounding toward −infinity as Python does. */
export function floorDivideSafe(out: PyValue, a: number, b: number): PyValue {
  if (Math.abs(a) <= EXACT_FLOOR_LIMIT && Math.abs(b) <= EXACT_FLOOR_LIMIT) {
    const mod = moduloSafe(a, b);
    return setInt(out, (a - mod) / b);
  }
  return setBigInt(out, floorDivideBig(BigInt(a), BigInt(b)));
}

/** a % b for safe ints (b != 0), with the sign of b as in Python; JS % is exact here. */
export function moduloSafe(a: number, b: number): number {
  let mod = a % b;
  if (mod !== 0 && mod < 0 !== b < 0) mod += b;
  return mod + 0;
}

export function floorDivideBig(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

export function moduloBig(a: bigint, b: bigint): bigint {
  const mod = a % b;
  return mod !== 0n && mod < 0n !== b < 0n ? mod + b : mod;
}

/** base ** exponent for ints with exponent >= 0: exact, as Python's int ** int. */
export function intPower(out: PyValue, base: PyValue, exponent: PyValue): PyValue {
  if (base.kind === INT) {
    const x = base.num;
    if (x === 0 || x === 1) return setInt(out, exponent.kind === INT && exponent.num === 0 ? 1 : x);
    if (x === -1) return setInt(out, isOdd(exponent) ? -1 : 1);
  }
  // From here |base| >= 2, so a huge exponent means a huge result.
  if (exponent.kind === BIG) throw integerTooLarge();
  const n = exponent.num;
  if (base.kind === INT) {
    const log2 = Math.log2(Math.abs(base.num)) * n;
    if (log2 < 52.5) {
      // Every partial product is below 2^53, so double multiplication is exact.
      let result = 1;
      for (let i = 0; i < n; i++) result *= base.num;
      return setInt(out, result);
    }
    if (log2 > MAX_INTEGER_BITS + 1) throw integerTooLarge();
    return setBigInt(out, BigInt(base.num) ** BigInt(n));
  }
  // Refuse before computing: the result has more than n * (bits − 1) bits.
  if ((bitLength(base.big) - 1) * n > MAX_INTEGER_BITS) throw integerTooLarge();
  return setBigInt(out, base.big ** BigInt(n));
}

function isOdd(v: PyValue): boolean {
  return v.kind === BIG ? (v.big & 1n) === 1n : v.num % 2 !== 0;
}

/** a / b for ints (b != 0) correctly rounded to a double, as Python's int true division. */
export function trueDivideBig(a: bigint, b: bigint): number {
  const negative = a < 0n !== b < 0n;
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  if (a === 0n) return negative ? -0 : 0;
  // e = floor(log2(a / b)) is one of two values; one comparison decides which.
  let e = bitLength(a) - bitLength(b);
  if (e >= 0 ? a < b << BigInt(e) : a << BigInt(-e) < b) e -= 1;
  if (e > 1023) throw pythonError('OverflowError', 'integer division result too large for a float');
  // Round a / b to a multiple of 2^u: 53 significant bits, fewer where the result is subnormal.
  const u = Math.max(e - 52, -1074);
  let num = a;
  let den = b;
  if (u <= 0) num <<= BigInt(-u);
  else den <<= BigInt(u);
  let q = num / den;
  const twice = 2n * (num - q * den);
  if (twice > den || (twice === den && (q & 1n) === 1n)) q += 1n;
  const result = Number(q) * pow2(u);
  if (result === Infinity) throw pythonError('OverflowError', 'integer division result too large for a float');
  return negative ? -result : result;
}

/**
 * math.log of an int too large for a double (n >= 2^1024): like CPython, log(m) + log(2) * e
 * where n ≈ m * 2^e with m in [0.5, 1) rounded to 53 bits.
 */
export function logOfHugeInt(n: bigint, log: (x: number) => number): number {
  let e = bitLength(n);
  const shift = BigInt(e - 64);
  let top = n >> shift;
  if (top << shift !== n) top |= 1n; // sticky bit, so that Number() rounds as if it saw every bit
  let m = Number(top) * pow2(-64);
  if (m === 1) {
    m = 0.5;
    e += 1;
  }
  return log(m) + log(2) * e;
}
