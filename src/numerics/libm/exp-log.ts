/**
 * Correctly rounded exp, log and pow on doubles (round to nearest, ties to even), so that
 * results match Python's math.exp, math.log and float ** float, which call glibc. V8's
 * Math.exp and Math.pow differ from glibc in the last bit for about one argument in ten.
 *
 * Each function works in double-double arithmetic (~2^-100 relative error) and rounds once
 * at the end; where that error could still change the rounding, or the result is
 * subnormal, accurate.ts recomputes it exactly enough. Callers handle NaN, infinities,
 * zero and negative arguments; see python-math.ts.
 */

import { add, div, fastTwoSum, lo, mul, polynomial, twoProd, twoSum } from './double-double.js';
import {
  ATANH_SERIES,
  EXP2_TABLE,
  EXP_SERIES,
  LN2_64_A,
  LN2_64_B,
  LN2_64_C,
  LN2_A,
  LN2_B,
  LN2_C,
  LOG_TABLE,
  LOG_TABLE_FIRST,
} from './constants.js';
import { accurateExp, accurateLog, accuratePow, accuratePowInteger } from './accurate.js';
import { exponentOf, FAST_PATH_ERROR, MIN_NORMAL, pow2, roundsSafely, scale } from './float-bits.js';

const SIXTY_FOUR_OVER_LN2 = 64 / Math.LN2;

/** The power of two that expCore's and powInteger's results still have to be multiplied by. */
let expScale = 0;

/**
 * exp(th + tl) / 2^expScale as a double-double in [1, 2): with k = round((th + tl) * 64/ln 2),
 * exp(x) = 2^(k div 64) * 2^((k mod 64)/64) * exp(r) where |r| <= ln 2 / 128.
 */
function expCore(th: number, tl: number): number {
  const k = Math.round(th * SIXTY_FOUR_OVER_LN2);
  const j = k & 63;
  expScale = (k - j) / 64;
  // k * LN2_64_A is exact and cancels most of th, so r1 is exact as well.
  const r1 = th - k * LN2_64_A;
  const p = twoProd(k, LN2_64_B);
  const pl = lo();
  let rh = twoSum(r1, -p);
  let rl = lo() + (tl - pl - k * LN2_64_C);
  rh = fastTwoSum(rh, rl);
  rl = lo();
  // Terms from r^8/8! on are below 2^-60, so plain doubles carry them accurately enough.
  const ph = polynomial(rh, rl, EXP_SERIES, 8);
  return mul(ph, lo(), EXP2_TABLE.hi[j] as number, EXP2_TABLE.lo[j] as number);
}

/** log(x) as a double-double, for finite x > 0, with relative error around 2^-104. */
function logCore(x: number): number {
  let e = 0;
  if (x < MIN_NORMAL) {
    x *= 18014398509481984; // 2^54
    e = -54;
  }
  const ex = exponentOf(x);
  let m = scale(x, -ex);
  e += ex;
  if (m > Math.SQRT2) {
    m *= 0.5;
    e += 1;
  }
  // log(m) = log(c) + 2 atanh(s) with c = j/64 the table point nearest m and s = (m − c)/(m + c).
  const j = Math.round(m * 64);
  const c = j / 64;
  const dh = twoSum(m, c);
  const dl = lo();
  const sh = div(m - c, 0, dh, dl); // m − c is exact: m and c are within a factor of two
  const sl = lo();
  const s2h = mul(sh, sl, sh, sl);
  const s2l = lo();
  // From k = 4 on, doubles suffice: |s| < 2^-7.
  let ph = polynomial(s2h, s2l, ATANH_SERIES, 4);
  let pl = lo();
  ph = mul(ph, pl, sh, sl);
  pl = lo();
  const t = j - LOG_TABLE_FIRST;
  ph = add(2 * ph, 2 * pl, LOG_TABLE.hi[t] as number, LOG_TABLE.lo[t] as number);
  if (e === 0) return ph;
  pl = lo();
  // e * ln 2 in three parts: the first product is exact, the second is made exact by twoProd.
  ph = add(ph, pl, e * LN2_A, 0);
  pl = lo();
  const bh = twoProd(e, LN2_B);
  const bl = lo() + e * LN2_C;
  return add(ph, pl, bh, bl);
}

const TWO_52 = 4503599627370496;

/**
 * (h + l) * 2^m rounded once, for h > 0 (exp and pow results), or NaN if the rounding is
 * not certain. Normal results are exact scalings of fl(h + l) (overflow gives Infinity);
 * subnormal ones are rounded on their own grid of multiples of 2^-1074, so that they
 * are not rounded twice.
 */
function finish(h: number, l: number, m: number): number {
  const e = exponentOf(h) + m;
  if (e >= -1022) return roundsSafely(h, l) ? scale(h + l, m) : NaN;
  if (e < -1076) return 0; // below a quarter of the smallest subnormal
  // u = (h + l) * 2^(m + 1074) < 2^53 counts multiples of 2^-1074; round it to an integer.
  const s = m + 1074;
  const uh = h * pow2(s);
  const ul = l * pow2(s);
  const n = uh >= TWO_52 ? uh : uh + TWO_52 - TWO_52; // adding 2^52 rounds to an integer, ties to even
  const f = uh - n + ul;
  const fromMidpoint = 0.5 - Math.abs(f);
  // roundsSafely's error bound, applied on the subnormal grid.
  if (Math.abs(fromMidpoint) <= uh * FAST_PATH_ERROR + 2 ** -60) return NaN;
  return (fromMidpoint > 0 ? n : n + Math.sign(f)) * pow2(-1074);
}

/** e^x, correctly rounded; Infinity on overflow, 0 on underflow. */
export function crExp(x: number): number {
  if (x !== x) return x;
  if (x > 709.8) return Infinity;
  if (x < -745.2) return 0;
  const h = expCore(x, 0);
  const result = finish(h, lo(), expScale);
  return result === result ? result : accurateExp(x);
}

/** Natural log, correctly rounded, for finite x > 0. */
export function crLog(x: number): number {
  const h = logCore(x);
  return roundsSafely(h, lo()) ? h : accurateLog(x);
}

/** x^n for an integer 1 <= |n| <= 64, by double-double squaring of x's mantissa (exact for small enough x). */
function powInteger(x: number, n: number): number {
  const ex = exponentOf(x);
  let bh = scale(x, -ex); // in [1, 2), so no power below overflows or loses bits
  let bl = 0;
  let rh = 1;
  let rl = 0;
  for (let k = Math.abs(n); ; ) {
    if (k & 1) {
      rh = mul(rh, rl, bh, bl);
      rl = lo();
    }
    k >>= 1;
    if (k === 0) break;
    bh = mul(bh, bl, bh, bl);
    bl = lo();
  }
  if (n < 0) {
    rh = div(1, 0, rh, rl);
    rl = lo();
  }
  const result = finish(rh, rl, ex * n);
  return result === result ? result : accuratePowInteger(x, n);
}

/**
 * x^y, correctly rounded, for finite x > 0 with x != 1 and finite y != 0; Infinity on
 * overflow, 0 on underflow. Small integer powers multiply the mantissa, which is cheaper
 * than log and exp and exact where the result is (3.0 ** 2).
 */
export function crPow(x: number, y: number): number {
  if (Number.isInteger(y) && Math.abs(y) <= 64) return powInteger(x, y);
  const lh = logCore(x);
  const ll = lo();
  const estimate = y * lh;
  if (estimate > 710) return Infinity;
  if (estimate < -746) return 0;
  // Here |y| < 2^63 (|log x| >= 2^-53 for x != 1), so twoProd's split cannot overflow.
  const th = twoProd(y, lh);
  const tl = lo() + y * ll;
  const h = fastTwoSum(th, tl);
  const e = expCore(h, lo());
  const result = finish(e, lo(), expScale);
  return result === result ? result : accuratePow(x, y);
}
