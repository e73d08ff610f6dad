/**
 * Binary-exponent helpers for the correctly rounded functions: exact powers of two,
 * reading a double's exponent, and deciding whether a double-double result can be
 * rounded without knowing it more precisely.
 */

const MIN_EXPONENT = -1074;
const MAX_EXPONENT = 1023;

/** 2^k for every k a double can hold, built by exact doubling and halving. */
const POWERS = new Float64Array(MAX_EXPONENT - MIN_EXPONENT + 1);
{
  let p = 1;
  for (let k = 0; k <= MAX_EXPONENT; k++, p *= 2) POWERS[k - MIN_EXPONENT] = p;
  p = 1;
  for (let k = 0; k >= MIN_EXPONENT; k--, p /= 2) POWERS[k - MIN_EXPONENT] = p;
}

/** 2^k exactly; 0 or Infinity outside the range of doubles. */
export function pow2(k: number): number {
  if (k > MAX_EXPONENT) return Infinity;
  if (k < MIN_EXPONENT) return 0;
  return POWERS[k - MIN_EXPONENT] as number;
}

/** x * 2^k exactly whenever the result is a normal double (k may exceed the range of pow2 by itself). */
export function scale(x: number, k: number): number {
  // Scale by the part that keeps the intermediate normal first, so only the last step can round.
  if (k > MAX_EXPONENT) return x * pow2(k - MAX_EXPONENT) * pow2(MAX_EXPONENT);
  if (k < -1022) return x * pow2(k + 1022) * pow2(-1022);
  return x * pow2(k);
}

const bits = new DataView(new ArrayBuffer(8));

/** floor(log2 |x|) for finite nonzero x, subnormals included. */
export function exponentOf(x: number): number {
  bits.setFloat64(0, x);
  const biased = (bits.getUint32(0) >>> 20) & 0x7ff;
  if (biased !== 0) return biased - 1023;
  bits.setFloat64(0, x * 18446744073709551616); // 2^64 makes a subnormal normal
  return ((bits.getUint32(0) >>> 20) & 0x7ff) - 1023 - 64;
}

/** Relative error bound of the double-double paths (measured ~2^-100; the margin is deliberate). */
export const FAST_PATH_ERROR = 2 ** -90;

/** The smallest normal double, 2^-1022. */
export const MIN_NORMAL = 2.2250738585072014e-308;

/**
 * Whether h + l, a normalized double-double within FAST_PATH_ERROR of the true value,
 * is far enough from the midpoints around h that the true value rounds to h too (Ziv's
 * test). Subnormal h is refused: there the spacing of doubles is no longer relative.
 */
export function roundsSafely(h: number, l: number): boolean {
  const a = Math.abs(h);
  if (!(a >= MIN_NORMAL) || a === Infinity) return false;
  const e = exponentOf(a);
  const ulp = pow2(e - 52);
  // Just below a power of two the doubles are twice as dense.
  const belowPowerOfTwo = l !== 0 && l < 0 !== h < 0 && a === pow2(e);
  const gap = (belowPowerOfTwo ? ulp / 4 : ulp / 2) - Math.abs(l);
  return gap > a * FAST_PATH_ERROR;
}
