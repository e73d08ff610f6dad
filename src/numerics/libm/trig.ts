/**
 * Correctly rounded sin, cos and tan on doubles, to match Python's math.sin/cos/tan
 * (glibc) where V8's Math.sin/cos/tan differ in the last bit for a few percent of
 * arguments. The argument is reduced modulo π/2 in double-double, with Cody–Waite
 * for moderate arguments and an exact BigInt reduction (Payne–Hanek) for huge ones
 * or where the remainder cancels to almost nothing; then Taylor series in
 * double-double, rounded once, unless that rounding is uncertain and accurate.ts has
 * to decide it. Callers handle NaN and infinities.
 */

import { add, addD, div, fastTwoSum, lo, mul, polynomial, twoProd, twoSum } from './double-double.js';
import {
  HALF_PI_A,
  HALF_PI_B,
  HALF_PI_C,
  HALF_PI_D,
  HALF_PI_HI,
  HALF_PI_LO,
  COS_SERIES,
  SIN_SERIES,
  TWO_OVER_PI_BITS,
  twoOverPiFixed,
} from './constants.js';
import { accurateCos, accurateSin, accurateTan } from './accurate.js';
import { exponentOf, pow2, roundsSafely } from './float-bits.js';

const QUARTER_PI = Math.PI / 4;
const TWO_OVER_PI = 2 / Math.PI;
/** Below this Cody–Waite's k < 2^19 keeps every k * HALF_PI_{A,B,C} exact. */
const CODY_WAITE_LIMIT = 823549.6;
/** A Cody–Waite remainder this small has lost too many bits to cancellation; redo it exactly. */
const CANCELLATION_LIMIT = 2 ** -20;
/** Bits of the reduced argument kept from the exact reduction, far more than a double-double needs. */
const FRACTION_BITS = 200;
const FRACTION_ONE = 1n << BigInt(FRACTION_BITS);
const FRACTION_HALF = FRACTION_ONE >> 1n;
/**
 * Below this, sin x and tan x round to x and cos x to 1: the next term of the series,
 * x³/6, x³/3 or x²/2, is under half the spacing of doubles there.
 */
const TINY = 2 ** -27;

// reduce() leaves |x| − quadrant * π/2 as the double-double reducedHi + reducedLo.
let reducedHi = 0;
let reducedLo = 0;
let quadrant = 0;

/** Exact reduction: the fraction of |x| * 2/π from a fixed-point product with ~1300 bits of 2/π. */
function reduceExactly(ax: number): void {
  const ex = exponentOf(ax);
  const mantissa = BigInt(ax * pow2(52 - ex));
  // ax = mantissa * 2^(ex − 52); the product has TWO_OVER_PI_BITS − (ex − 52) fractional bits.
  const shift = BigInt(TWO_OVER_PI_BITS - (ex - 52));
  const product = mantissa * twoOverPiFixed();
  let q = Number((product >> shift) & 3n);
  let fraction = (product >> (shift - BigInt(FRACTION_BITS))) & (FRACTION_ONE - 1n);
  if (fraction >= FRACTION_HALF) {
    fraction -= FRACTION_ONE;
    q += 1;
  }
  const fh = Number(fraction);
  const fl = Number(fraction - BigInt(fh));
  const unit = pow2(-FRACTION_BITS);
  reducedHi = mul(fh * unit, fl * unit, HALF_PI_HI, HALF_PI_LO);
  reducedLo = lo();
  quadrant = q & 3;
}

/** Reduces ax >= 0 to [−π/4, π/4] (slightly beyond at the edges, which the series tolerate). */
function reduce(ax: number): void {
  if (ax <= QUARTER_PI) {
    reducedHi = ax;
    reducedLo = 0;
    quadrant = 0;
    return;
  }
  if (ax < CODY_WAITE_LIMIT) {
    const k = Math.round(ax * TWO_OVER_PI);
    // ax − k*A is exact (Sterbenz), k*B and k*C are exact by construction, k*D is made exact by twoProd.
    let h = twoSum(ax - k * HALF_PI_A, -k * HALF_PI_B);
    let l = lo();
    h = addD(h, l, -k * HALF_PI_C);
    l = lo();
    const dh = twoProd(k, HALF_PI_D);
    h = add(h, l, -dh, -lo());
    if (Math.abs(h) >= CANCELLATION_LIMIT) {
      reducedHi = h;
      reducedLo = lo();
      quadrant = k & 3;
      return;
    }
  }
  reduceExactly(ax);
}

// Both kernels sum their Taylor series in r²; the terms from the tenth on are below 2^-62
// of the result and need no low halves.

/** sin(r) for |r| <= ~π/4. */
function sinKernel(rh: number, rl: number): number {
  const r2h = mul(rh, rl, rh, rl);
  const ph = polynomial(r2h, lo(), SIN_SERIES, 9);
  return mul(ph, lo(), rh, rl);
}

/** cos(r) for |r| <= ~π/4. */
function cosKernel(rh: number, rl: number): number {
  const r2h = mul(rh, rl, rh, rl);
  const ph = polynomial(r2h, lo(), COS_SERIES, 9);
  return fastTwoSum(ph, lo());
}

/** sin(x), correctly rounded, for finite x. */
export function crSin(x: number): number {
  if (Math.abs(x) < TINY) return x;
  reduce(Math.abs(x));
  const q = quadrant;
  let h = q & 1 ? cosKernel(reducedHi, reducedLo) : sinKernel(reducedHi, reducedLo);
  let l = lo();
  if (q >= 2 !== x < 0) {
    h = -h;
    l = -l;
  }
  return roundsSafely(h, l) ? h : accurateSin(x);
}

/** cos(x), correctly rounded, for finite x. */
export function crCos(x: number): number {
  if (Math.abs(x) < TINY) return 1;
  reduce(Math.abs(x));
  const q = quadrant;
  let h = q & 1 ? sinKernel(reducedHi, reducedLo) : cosKernel(reducedHi, reducedLo);
  let l = lo();
  if (q === 1 || q === 2) {
    h = -h;
    l = -l;
  }
  return roundsSafely(h, l) ? h : accurateCos(x);
}

/** tan(x), correctly rounded, for finite x. */
export function crTan(x: number): number {
  if (Math.abs(x) < TINY) return x;
  reduce(Math.abs(x));
  const q = quadrant;
  const sh = sinKernel(reducedHi, reducedLo);
  const sl = lo();
  const ch = cosKernel(reducedHi, reducedLo);
  const cl = lo();
  // tan(r + π/2) = −cos(r)/sin(r)
  let h = q & 1 ? div(ch, cl, sh, sl) : div(sh, sl, ch, cl);
  let l = lo();
  if (q & 1 ? x > 0 : x < 0) {
    h = -h;
    l = -l;
  }
  return roundsSafely(h, l) ? h : accurateTan(x);
}
