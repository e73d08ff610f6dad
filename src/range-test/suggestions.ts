/**
 * The three common ways to read an LR range test (fastai, PyTorch Lightning,
 * torch-lr-finder): pure functions over the recorded points.
 */

export interface RangePoint {
  /** The report's step (batch number, from 1). */
  readonly step: number;
  /** The lr of each group the batch was trained with. */
  readonly lrs: readonly number[];
  readonly loss: number;
  readonly smoothed_loss: number;
}

export type Rule = 'steepest' | 'minimum' | 'valley';
export const RULES: readonly Rule[] = ['steepest', 'minimum', 'valley'];

export interface Suggestion {
  /** The suggested lr of the first group, and of each group. */
  readonly lr: number;
  readonly lrs: readonly number[];
  /** The step of the point the rule picked. */
  readonly step: number;
}

/** The first 10 points are warm-up noise and the last may be the divergence itself. */
export const SKIP_START = 10;
export const SKIP_END = 1;

/** Points the rules read: without the first 10 and the last 1, and without non-finite losses. */
export function usablePoints(points: readonly RangePoint[]): RangePoint[] {
  return points
    .slice(SKIP_START, Math.max(SKIP_START, points.length - SKIP_END))
    .filter((p) => Number.isFinite(p.loss) && Number.isFinite(p.smoothed_loss));
}

/** numpy.gradient(y, x): second-order central differences inside, one-sided at the ends. */
export function gradient(y: readonly number[], x: readonly number[]): number[] {
  const n = y.length;
  const at = (values: readonly number[], i: number) => values[i] as number;
  return y.map((_, i) => {
    if (i === 0) return (at(y, 1) - at(y, 0)) / (at(x, 1) - at(x, 0));
    if (i === n - 1) return (at(y, n - 1) - at(y, n - 2)) / (at(x, n - 1) - at(x, n - 2));
    const hs = at(x, i) - at(x, i - 1);
    const hd = at(x, i + 1) - at(x, i);
    return (hs * hs * at(y, i + 1) + (hd * hd - hs * hs) * at(y, i) - hd * hd * at(y, i - 1)) / (hs * hd * (hd + hs));
  });
}

/** Index of the smallest value (the first, on ties); NaNs never win. */
function argmin(values: readonly number[]): number {
  let best = -1;
  values.forEach((v, i) => {
    if (!Number.isNaN(v) && (best < 0 || v < (values[best] as number))) best = i;
  });
  return Math.max(best, 0);
}

/**
 * For each i, the length of the longest strictly decreasing subsequence ending at i: fastai's
 * `lds` in its valley rule. A subsequence, not a run: it may skip the points in between that
 * rise, so one noisy bump does not cut a valley in two. O(n log n) where fastai's loop is O(n²).
 */
export function longestDecreasingSubsequenceLengths(values: readonly number[]): number[] {
  // tails[k]: the largest possible last value of a strictly decreasing subsequence of length k + 1.
  const tails: number[] = [];
  return values.map((v) => {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((tails[mid] as number) > v) lo = mid + 1;
      else hi = mid;
    }
    tails[lo] = v;
    return lo + 1;
  });
}

function pick(point: RangePoint, divisor = 1): Suggestion {
  const lrs = point.lrs.map((lr) => lr / divisor);
  return { lr: lrs[0] as number, lrs, step: point.step };
}

/** Suggestions by the three rules, or why there are none (fewer than 2 usable points). */
export function suggest(points: readonly RangePoint[]): Record<Rule, Suggestion> | string {
  const usable = usablePoints(points);
  if (usable.length < 2) {
    return `${usable.length} usable point(s) after skipping the first ${SKIP_START}, the last ${SKIP_END} and non-finite losses; at least 2 are needed`;
  }
  const smoothed = usable.map((p) => p.smoothed_loss);
  const logLrs = usable.map((p) => Math.log10(p.lrs[0] as number));

  const steepest = usable[argmin(gradient(smoothed, logLrs))] as RangePoint;
  const lowest = usable[argmin(smoothed)] as RangePoint;

  // fastai's valley: the first point where the longest decreasing subsequence ends, that end minus
  // the subsequence's length as the start, and the point a third plus a sixth (each floored) in.
  const lengths = longestDecreasingSubsequenceLengths(smoothed);
  const longest = Math.max(...lengths);
  const end = lengths.indexOf(longest);
  const start = Math.max(0, end - longest);
  const sections = (end - start) / 3;
  const valley = usable[start + Math.floor(sections) + Math.floor(sections / 2)] as RangePoint;

  return { steepest: pick(steepest), minimum: pick(lowest, 10), valley: pick(valley) };
}
