/**
 * The meter of big-integer work. Ints beyond 2^53 are BigInts, and their cost grows with
 * their size: `9**20000//9**19999` is three nodes, yet each 991-word power takes a fraction
 * of a millisecond, so the node count alone (see CompiledExpression.operations) does not
 * bound an evaluation. Every BigInt result is charged here, w² for a result of w 64-bit
 * words (what producing it by multiplication costs, and more than adding, comparing or
 * dividing by it costs: each value feeds one parent, which pays for its own result), plus
 * a fixed cost per result.
 *
 * A meter runs around one unit of work (creating a schedule, one step, a whole preview;
 * see schedulers/schedule.ts), as a dynamic extent: evaluation is synchronous, so the
 * allowance cannot leak into other work. Outside any metered work nothing is charged.
 */

import { MAX_INTEGER_BITS } from '../limits.js';
import { ExpressionEvaluationError } from './errors.js';

/**
 * What every BigInt result costs besides its size, in the same word products: allocating
 * and converting a BigInt takes ~0.5 µs even for one word, as long as ~1000 word products.
 */
const BIGINT_RESULT_COST = 1000;

let remaining: number | undefined;
let allowed = 0;

/** Runs `work` with `allowance` word products of BigInt work; nested calls share the outer allowance. */
export function meteringBigIntWork<T>(allowance: number, work: () => T): T {
  if (remaining !== undefined) return work();
  remaining = allowance;
  allowed = allowance;
  try {
    return work();
  } finally {
    remaining = undefined;
  }
}

/**
 * 64-bit words of a BigInt. Number() reads only the top bits, so an int within the doubles'
 * range costs nothing to measure; a larger one is halved by shifts (a few copies, far cheaper
 * than printing it) until it is, which MAX_INTEGER_BITS bounds to eight.
 */
function words(b: bigint): number {
  let magnitude = b < 0n ? -b : b;
  let bits = 0;
  for (let shift = MAX_INTEGER_BITS / 2; shift >= 512 && Number(magnitude) === Infinity; shift /= 2) {
    const high = magnitude >> BigInt(shift);
    if (high !== 0n) {
      magnitude = high;
      bits += shift;
    }
  }
  return Math.ceil((bits + Math.floor(Math.log2(Number(magnitude))) + 1) / 64);
}

/** Charges a BigInt result to the running meter. Throws ExpressionEvaluationError once the allowance is spent. */
export function chargeBigInt(b: bigint): void {
  if (remaining === undefined) return;
  const w = words(b);
  chargeWork(w * w + BIGINT_RESULT_COST);
}

/** Charges `cost` word products to the running meter (the libm's BigInt fallback charges its own). */
export function chargeWork(cost: number): void {
  if (remaining === undefined) return;
  remaining -= cost;
  if (remaining < 0) {
    throw new ExpressionEvaluationError(
      'WorkLimitExceeded',
      `big-integer work beyond MAX_BIGINT_WORK (${allowed} word products per creation, step or preview)`,
    );
  }
}
