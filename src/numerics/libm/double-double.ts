/**
 * Double-double arithmetic: a value is the unevaluated sum hi + lo of two doubles with
 * |lo| <= ulp(hi) / 2, about 106 significant bits. That is enough headroom to round
 * exp, log, pow and the trigonometric functions correctly to 53 bits, which is what
 * Python's libm (glibc) does for all but a tiny fraction of inputs; V8's Math.* does not.
 *
 * Every operation returns hi and leaves lo behind, read with `lo()`, because returning
 * pairs would allocate on each of the thousands of operations a preview runs. lo lives in
 * a Float64Array because V8 boxes a double stored in a module-level variable, which
 * would allocate on every operation after all.
 */

const carry = new Float64Array(1);

/** The low half of the last double-double result. */
export function lo(): number {
  return carry[0] as number;
}

/** Veltkamp's constant 2^27 + 1 splits a double into two 26-bit halves whose products are exact. */
const SPLITTER = 134217729;

/** a + b exactly, for any a and b. */
export function twoSum(a: number, b: number): number {
  const s = a + b;
  const bb = s - a;
  carry[0] = a - (s - bb) + (b - bb);
  return s;
}

/** a + b exactly, when |a| >= |b| (or a is zero). */
export function fastTwoSum(a: number, b: number): number {
  const s = a + b;
  carry[0] = b - (s - a);
  return s;
}

/** a * b exactly (Dekker); |a|, |b| must stay below 2^996 so the split cannot overflow. */
export function twoProd(a: number, b: number): number {
  const p = a * b;
  let t = SPLITTER * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLITTER * b;
  const bh = t - (t - b);
  const bl = b - bh;
  carry[0] = ah * bh - p + ah * bl + al * bh + al * bl;
  return p;
}

/** (ah + al) + (bh + bl). */
export function add(ah: number, al: number, bh: number, bl: number): number {
  let s = twoSum(ah, bh);
  let e = lo();
  const t = twoSum(al, bl);
  const f = lo();
  e += t;
  s = fastTwoSum(s, e);
  e = lo() + f;
  return fastTwoSum(s, e);
}

/** (ah + al) + b. */
export function addD(ah: number, al: number, b: number): number {
  const s = twoSum(ah, b);
  const e = lo() + al;
  return fastTwoSum(s, e);
}

/** (ah + al) * (bh + bl). */
export function mul(ah: number, al: number, bh: number, bl: number): number {
  const p = twoProd(ah, bh);
  const e = lo() + (ah * bl + al * bh);
  return fastTwoSum(p, e);
}

/** (ah + al) * b. */
export function mulD(ah: number, al: number, b: number): number {
  const p = twoProd(ah, b);
  const e = lo() + al * b;
  return fastTwoSum(p, e);
}

/** (ah + al) / (bh + bl), by three rounds of long division. */
export function div(ah: number, al: number, bh: number, bl: number): number {
  const q1 = ah / bh;
  let rh = mulD(bh, bl, q1);
  let rl = lo();
  rh = add(ah, al, -rh, -rl);
  rl = lo();
  const q2 = rh / bh;
  const ph = mulD(bh, bl, q2);
  const pl = lo();
  rh = add(rh, rl, -ph, -pl);
  const q3 = rh / bh;
  const s = fastTwoSum(q1, q2);
  return addD(s, lo(), q3);
}

/**
 * Σ c_n x^n for the series c (double-double coefficients c.hi[n] + c.lo[n]) at x = xh + xl,
 * by Horner's rule. The terms from `plainFrom` on are too small to need low halves, so
 * they are summed in plain doubles first.
 */
export function polynomial(
  xh: number,
  xl: number,
  c: { readonly hi: Float64Array; readonly lo: Float64Array },
  plainFrom: number,
): number {
  let q = c.hi[c.hi.length - 1] as number;
  for (let n = c.hi.length - 2; n >= plainFrom; n--) q = (c.hi[n] as number) + xh * q;
  let ph = mulD(xh, xl, q);
  let pl = lo();
  for (let n = plainFrom - 1; n >= 0; n--) {
    ph = add(ph, pl, c.hi[n] as number, c.lo[n] as number);
    if (n === 0) break;
    pl = lo();
    ph = mul(ph, pl, xh, xl);
    pl = lo();
  }
  return ph;
}
