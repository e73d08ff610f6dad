/**
 * The high-precision constants the correctly rounded functions need, computed at load
 * time from their defining series in BigInt fixed point (value * 2^bits), so that no
 * table of magic hex digits has to be trusted: π by Machin's formula, ln 2 by its
 * binary series, 2^(j/64) by repeated integer square roots, log(j/64) by atanh.
 */

/** Fractional bits of the fixed-point values the tables are built from (~96 decimal digits). */
const BITS = 320;
/** Extra bits carried through each series so that its truncation errors stay out of the result. */
const GUARD = 32;

export function bitLength(n: bigint): number {
  return n === 0n ? 0 : (n < 0n ? -n : n).toString(2).length;
}

/** atan(1/n) * one, from atan(1/n) = Σ (-1)^k / ((2k+1) n^(2k+1)). */
function atanInverse(n: bigint, one: bigint): bigint {
  const n2 = n * n;
  let power = one / n;
  let sum = 0n;
  for (let k = 1n, negative = false; power !== 0n; k += 2n, negative = !negative) {
    sum += negative ? -(power / k) : power / k;
    power /= n2;
  }
  return sum;
}

/** π * 2^bits (Machin: π = 16 atan(1/5) − 4 atan(1/239)). */
export function fixedPi(bits: number): bigint {
  const one = 1n << BigInt(bits + GUARD);
  return (16n * atanInverse(5n, one) - 4n * atanInverse(239n, one)) >> BigInt(GUARD);
}

/** ln 2 * 2^bits (ln 2 = Σ 1 / (k 2^k)). */
export function fixedLn2(bits: number): bigint {
  const one = 1n << BigInt(bits + GUARD);
  let sum = 0n;
  for (let k = 1n; ; k++) {
    const term = (one >> k) / k;
    if (term === 0n) break;
    sum += term;
  }
  return sum >> BigInt(GUARD);
}

/** floor(sqrt(n)) by Newton's iteration from above. */
function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt((bitLength(n) >> 1) + 1);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/** log(p/q) * 2^bits for p/q near 1, from log(p/q) = 2 atanh((p − q) / (p + q)). */
function fixedLogRatio(p: bigint, q: bigint, bits: number): bigint {
  const one = 1n << BigInt(bits + GUARD);
  const num = p - q;
  const den = p + q;
  let power = (one * num) / den;
  let sum = 0n;
  for (let k = 1n; power !== 0n; k += 2n) {
    sum += power / k;
    power = (power * num * num) / (den * den);
  }
  return (2n * sum) >> BigInt(GUARD);
}

/** The double nearest to fixed * 2^-bits, and the double nearest to what it leaves out. */
function toDoubleDouble(fixed: bigint, bits: number): [number, number] {
  const hi = Number(fixed);
  const lo = Number(fixed - BigInt(hi));
  const unit = 2 ** -bits;
  return [hi * unit, lo * unit];
}

/**
 * fixed * 2^-bits as a sum of doubles, the i-th rounded to partBits[i] significant bits,
 * so that small integers times the leading parts are exact (Cody–Waite reduction).
 */
function splitParts(fixed: bigint, bits: number, partBits: readonly number[]): number[] {
  const parts: number[] = [];
  let rest = fixed;
  for (const width of partBits) {
    const drop = bitLength(rest) - width;
    let part = rest;
    if (drop > 0) {
      const unit = 1n << BigInt(drop);
      const half = unit >> 1n;
      part = ((rest + half) >> BigInt(drop)) << BigInt(drop);
    }
    parts.push(Number(part) * 2 ** -bits);
    rest -= part;
  }
  return parts;
}

function doubleDoubleTable(values: readonly bigint[]): { hi: Float64Array; lo: Float64Array } {
  const hi = new Float64Array(values.length);
  const lo = new Float64Array(values.length);
  values.forEach((value, i) => {
    [hi[i], lo[i]] = toDoubleDouble(value, BITS);
  });
  return { hi, lo };
}

const one = 1n << BigInt(BITS);
const ln2 = fixedLn2(BITS);
const pi = fixedPi(BITS);

/** ln 2 in three parts; the first has 42 bits so that e * part for any binary exponent e is exact. */
export const [LN2_A, LN2_B, LN2_C] = splitParts(ln2, BITS, [42, 53, 53]) as [number, number, number];

/** ln 2 / 64 in three parts; the first has 36 bits so that k * part is exact for |k| < 2^17. */
export const [LN2_64_A, LN2_64_B, LN2_64_C] = splitParts(ln2 >> 6n, BITS, [36, 53, 53]) as [
  number,
  number,
  number,
];

/** π/2 in four parts; the first three have 33 bits so that k * part is exact for |k| < 2^20. */
export const [HALF_PI_A, HALF_PI_B, HALF_PI_C, HALF_PI_D] = splitParts(pi >> 1n, BITS, [33, 33, 33, 53]) as [
  number,
  number,
  number,
  number,
];

export const [HALF_PI_HI, HALF_PI_LO] = toDoubleDouble(pi >> 1n, BITS);

/** 2^(j/64) for j = 0..63. */
export const EXP2_TABLE = (() => {
  // roots[i] = 2^(1 / 2^i)
  const roots = [2n * one];
  for (let i = 1; i <= 6; i++) roots.push(isqrt((roots[i - 1] as bigint) << BigInt(BITS)));
  const values: bigint[] = [];
  for (let j = 0; j < 64; j++) {
    let value = one;
    for (let bit = 0; bit < 6; bit++) {
      if (j & (1 << bit)) value = (value * (roots[6 - bit] as bigint)) >> BigInt(BITS);
    }
    values.push(value);
  }
  return doubleDoubleTable(values);
})();

/** The first and last j of LOG_TABLE: the reduced mantissa m lies in [√½, √2], so 64m rounds to 45..91. */
export const LOG_TABLE_FIRST = 45;
const LOG_TABLE_LAST = 91;

/** log(j/64) for j = LOG_TABLE_FIRST..LOG_TABLE_LAST. */
export const LOG_TABLE = (() => {
  const values: bigint[] = [];
  for (let j = LOG_TABLE_FIRST; j <= LOG_TABLE_LAST; j++) values.push(fixedLogRatio(BigInt(j), 64n, BITS));
  return doubleDoubleTable(values);
})();

/** 1/n! as a fixed-point number. */
function inverseFactorial(n: number): bigint {
  let factorial = 1n;
  for (let k = 2; k <= n; k++) factorial *= BigInt(k);
  return one / factorial;
}

/** Coefficients c_0..c_last of a power series, by index n. */
function series(last: number, coefficient: (n: number) => bigint): { hi: Float64Array; lo: Float64Array } {
  return doubleDoubleTable(Array.from({ length: last + 1 }, (_, n) => coefficient(n)));
}

/** exp(r) = Σ r^n / n!, to the term that falls below 2^-106 for |r| <= ln 2 / 128. */
export const EXP_SERIES = series(13, inverseFactorial);

/** atanh(s) / s = Σ (s²)^k / (2k+1), to the term that falls below 2^-106 for |s| < 2^-7. */
export const ATANH_SERIES = series(8, (k) => one / BigInt(2 * k + 1));

/** sin(r) / r = Σ (-1)^n (r²)^n / (2n+1)!, for |r| <= ~π/4. */
export const SIN_SERIES = series(15, (n) => (n % 2 === 0 ? 1n : -1n) * inverseFactorial(2 * n + 1));

/** cos(r) = Σ (-1)^n (r²)^n / (2n)!, for |r| <= ~π/4. */
export const COS_SERIES = series(16, (n) => (n % 2 === 0 ? 1n : -1n) * inverseFactorial(2 * n));

/** Fractional bits of twoOverPiFixed(): enough for the largest doubles (2^1024) plus ~470 bits of result. */
export const TWO_OVER_PI_BITS = 1500;

let twoOverPi: bigint | undefined;

/**
 * floor(2/π * 2^TWO_OVER_PI_BITS), for reducing huge trigonometric arguments exactly.
 * Built on first use: only arguments beyond about a million need it.
 */
export function twoOverPiFixed(): bigint {
  if (twoOverPi === undefined) {
    const bits = TWO_OVER_PI_BITS + 64;
    twoOverPi = ((1n << BigInt(2 * bits + 1)) / fixedPi(bits)) >> 64n;
  }
  return twoOverPi;
}
