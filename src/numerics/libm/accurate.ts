/**
 * The slow, exact-enough path of the correctly rounded functions (Ziv's strategy): the
 * double-double path is accurate to about 2^-100, which leaves the rounding undecided when
 * the true value lies closer than that to the midpoint between two doubles. Such cases
 * are rare for random arguments but common among structured ones (x ** 0.5 just below a
 * power of two, log(1 + 2^-52), ...). Here the same functions are computed in BigInt fixed
 * point with 320 fractional bits and rounded once; it costs ~100 µs, and runs perhaps
 * once in 10^10 random calls, or for subnormal results.
 */

import { bitLength, fixedLn2, fixedPi, TWO_OVER_PI_BITS, twoOverPiFixed } from './constants.js';
import { exponentOf, pow2, scale } from './float-bits.js';

/** Fractional bits of the fixed-point values. */
const BITS = 320;
/**
 * A pow result within this relative distance of a midpoint is taken to be exactly on it
 * (x = a², y = 1.5 gives a³, which can be one). The path's own error is near 2^-318, and
 * pow's hardest inexact cases for doubles are nowhere near this close.
 */
const TIE_BITS = 280n;

let ln2Bits = 0;
let ln2Fixed = 0n;

/** ln 2 * 2^bits, memoized at the widest precision asked for. */
function ln2(bits: number): bigint {
  if (bits > ln2Bits) {
    ln2Bits = bits + 64;
    ln2Fixed = fixedLn2(ln2Bits);
  }
  return ln2Fixed >> BigInt(ln2Bits - bits);
}

const HALF_PI_BITS = BITS + 64;
let halfPiFixed = 0n;

function halfPi(): bigint {
  if (halfPiFixed === 0n) halfPiFixed = fixedPi(HALF_PI_BITS) >> 1n;
  return halfPiFixed;
}

/** x = mantissa * 2^exponent with an integer mantissa, for finite x != 0. */
function decompose(x: number): { mantissa: bigint; exponent: number } {
  const e = exponentOf(x) - 52;
  return { mantissa: BigInt(scale(x, -e)), exponent: e };
}

/** a * 2^shift, rounding toward −infinity when shift < 0. */
function shiftBy(a: bigint, shift: number): bigint {
  return shift >= 0 ? a << BigInt(shift) : a >> BigInt(-shift);
}

/** floor(a / b) for b > 0. */
function floorDivide(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
}

/**
 * fixed * 2^exponent rounded to the nearest double, ties to even; with `exactTies`, being
 * within 2^-TIE_BITS of a midpoint counts as a tie. Subnormal results round once, on
 * their own grid.
 */
function roundToDouble(fixed: bigint, exponent: number, exactTies = false): number {
  if (fixed === 0n) return 0;
  const negative = fixed < 0n;
  const a = negative ? -fixed : fixed;
  const tolerance = exactTies ? a >> TIE_BITS : 0n;
  const top = bitLength(a) - 1 + exponent;
  if (top > 1023) return negative ? -Infinity : Infinity;
  const ulp = Math.max(top - 52, -1074);
  const drop = ulp - exponent;
  let q: bigint;
  if (drop <= 0) {
    q = a << BigInt(-drop);
  } else {
    q = a >> BigInt(drop);
    const rest = a - (q << BigInt(drop));
    const half = 1n << BigInt(drop - 1);
    const distance = rest - half;
    if (distance > tolerance || (distance >= -tolerance && (q & 1n) === 1n)) q += 1n;
  }
  const result = Number(q) * pow2(ulp);
  return negative ? -result : result;
}

/** log(x) * 2^bits for finite x > 0, by log(x) = e ln 2 + 2 atanh((m − 1)/(m + 1)) with m in [√½, √2]. */
function logFixed(x: number, bits: number): bigint {
  const work = bits + 32;
  const { mantissa, exponent } = decompose(x);
  let e = exponent + 52;
  let den = 1n << 52n;
  // m = mantissa / den is in [1, 2); halve it if m² > 2.
  if (mantissa * mantissa > 1n << 105n) {
    den <<= 1n;
    e += 1;
  }
  const s = ((mantissa - den) << BigInt(work)) / (mantissa + den);
  const unit = 1n << BigInt(work);
  const s2 = (s * s) / unit;
  let sum = 0n;
  let term = s;
  // Division, not >>, so that negative terms truncate toward zero and the loop ends.
  for (let k = 1n; term !== 0n; k += 2n) {
    sum += term / k;
    term = (term * s2) / unit;
  }
  return (BigInt(e) * ln2(work) + 2n * sum) >> 32n;
}

/** exp(t * 2^-bits) as mantissa * 2^(exponent): t = k ln 2 + r with |r| <= ln 2 / 2, then Taylor's series. */
function expFixed(t: bigint, bits: number): { mantissa: bigint; exponent: number } {
  const work = bits + 32;
  const tw = t << 32n;
  const l2 = ln2(work);
  const k = floorDivide(tw + (l2 >> 1n), l2);
  const r = tw - k * l2;
  const one = 1n << BigInt(work);
  let sum = one;
  let term = one;
  for (let n = 1n; term !== 0n; n++) {
    term = (term * r) / (n << BigInt(work));
    sum += term;
  }
  return { mantissa: sum, exponent: Number(k) - work };
}

/**
 * What one fixed-point exp, log, pow or trig evaluation below costs, in 64-bit word
 * products: 10–20 µs of BigInt series at BITS precision, as much as ~20 000 of them.
 */
const SERIES_WORK = 20_000;

let workDone = 0;

/**
 * Word products this fallback has spent so far in this thread. Rare for arbitrary
 * arguments, it can be hit on every call (exact midpoints such as x ** 2.0 with a 27-bit
 * x): the expression evaluator reads it around each evaluation and charges the difference
 * to the work meter of the request (see expressions/work-meter.ts).
 */
export function fallbackWork(): number {
  return workDone;
}

export function accurateExp(x: number): number {
  workDone += SERIES_WORK;
  const { mantissa, exponent } = decompose(x);
  const { mantissa: m, exponent: e } = expFixed(shiftBy(mantissa, exponent + BITS), BITS);
  return roundToDouble(m, e);
}

export function accurateLog(x: number): number {
  workDone += SERIES_WORK;
  return roundToDouble(logFixed(x, BITS), -BITS);
}

/** x^y for x > 0, x != 1 and y finite with |y log x| < 746; exact midpoints (x = a², y = 1.5, ...) round to even. */
export function accuratePow(x: number, y: number): number {
  workDone += SERIES_WORK;
  const { mantissa: my, exponent: ey } = decompose(y);
  // |y| may reach 2^63 when x is close to 1, so log x needs that many more bits.
  const bits = BITS + Math.max(0, ey + 53) + 16;
  const t = shiftBy(logFixed(x, bits) * my, ey + BITS - bits);
  const { mantissa, exponent } = expFixed(t, BITS);
  return roundToDouble(mantissa, exponent, true);
}

/** x^n for an integer n != 0, exactly: the mantissa's power is an exact BigInt. */
export function accuratePowInteger(x: number, n: number): number {
  const { mantissa, exponent } = decompose(x);
  const power = mantissa ** BigInt(Math.abs(n));
  const words = Math.ceil(bitLength(power) / 64);
  workDone += words * words;
  if (n > 0) return roundToDouble(power, exponent * n);
  // x^n = 2^(exponent * n) / mantissa^|n|, never a midpoint (the odd part of the
  // denominator stays), so BITS more bits than the quotient needs decide the rounding.
  const shift = bitLength(power) + BITS;
  return roundToDouble((1n << BigInt(shift)) / power, exponent * n - shift);
}

/** |x| reduced modulo π/2 exactly: the quadrant, and the remainder in radians * 2^BITS. */
function reduceFixed(ax: number): { quadrant: number; r: bigint } {
  const { mantissa, exponent } = decompose(ax);
  if (ax <= Math.PI / 4) return { quadrant: 0, r: shiftBy(mantissa, exponent + BITS) };
  const fractionBits = BITS + 64;
  const shift = BigInt(TWO_OVER_PI_BITS - exponent);
  const product = mantissa * twoOverPiFixed();
  let quadrant = Number((product >> shift) & 3n);
  const one = 1n << BigInt(fractionBits);
  let fraction = (product >> (shift - BigInt(fractionBits))) & (one - 1n);
  if (fraction >= one >> 1n) {
    fraction -= one;
    quadrant += 1;
  }
  return { quadrant: quadrant & 3, r: (fraction * halfPi()) >> BigInt(fractionBits + HALF_PI_BITS - BITS) };
}

/** sin(r) or cos(r) * 2^BITS for |r| <= π/4 from Taylor's series, `start` 1 for sin, 0 for cos. */
function sinCosFixed(r: bigint, start: 0 | 1): bigint {
  const work = BigInt(BITS + 32);
  const rw = r << 32n;
  const r2 = (rw * rw) >> work;
  let term = start === 1 ? rw : 1n << work;
  let sum = term;
  for (let n = BigInt(start + 1); term !== 0n; n += 2n) {
    term = -(term * r2) / ((n * (n + 1n)) << work);
    sum += term;
  }
  return sum >> 32n;
}

function trig(x: number, f: 'sin' | 'cos' | 'tan'): number {
  workDone += SERIES_WORK;
  const { quadrant, r } = reduceFixed(Math.abs(x));
  const sin = sinCosFixed(r, 1);
  const cos = sinCosFixed(r, 0);
  let value: bigint;
  if (f === 'tan') {
    value = quadrant & 1 ? -((cos << BigInt(BITS)) / sin) : (sin << BigInt(BITS)) / cos;
    if (x < 0) value = -value;
  } else if (f === 'sin') {
    value = quadrant & 1 ? cos : sin;
    if (quadrant >= 2 !== x < 0) value = -value;
  } else {
    value = quadrant & 1 ? sin : cos;
    if (quadrant === 1 || quadrant === 2) value = -value;
  }
  return roundToDouble(value, -BITS);
}

export function accurateSin(x: number): number {
  return trig(x, 'sin');
}

export function accurateCos(x: number): number {
  return trig(x, 'cos');
}

export function accurateTan(x: number): number {
  return trig(x, 'tan');
}
