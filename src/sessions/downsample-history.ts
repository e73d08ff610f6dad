import type { Caller } from '../access/caller.js';
import type { HistoryEntry } from '../api/sessions.js';
import {
  blockSize,
  coveringRuns,
  keepExtremes,
  TOP_LEVEL,
  type BlockRun,
  type SeriesExtremes,
} from '../store/history-extremes.js';
import type { SessionStore, StoredHistoryEntry } from '../store/session-store.js';
import { InvalidInput } from './errors.js';
import { findSession } from './find-session.js';
import { historyEntryView } from './views.js';

/** Steps `first`..`last`, both included. */
export interface StepRange {
  readonly first: number;
  readonly last: number;
}

/** A range split for a chart: buckets made of whole blocks of one pyramid level. */
export interface Bucketing {
  /** The level whose blocks the buckets are made of (0: single steps). */
  readonly level: number;
  /** Consecutive, in order, together exactly the range. */
  readonly buckets: readonly StepRange[];
}

/**
 * Splits `range` into `count` buckets (fewer only when the range has fewer steps) of
 * nearly equal width, their inner boundaries on multiples of the largest pyramid block
 * that is no wider than a bucket should be. Inside the range those blocks are complete,
 * so a bucket's extremes come from its blocks, never from its steps; only the range's
 * two ends, where a block is cut, are read finer.
 */
export function chartBuckets(range: StepRange, count: number): Bucketing {
  const steps = range.last - range.first + 1;
  let level = 0;
  while (level < TOP_LEVEL && blockSize(level + 1) * count <= steps) level++;
  const unit = blockSize(level);
  const firstUnit = Math.floor(range.first / unit);
  const units = Math.floor(range.last / unit) - firstUnit + 1;
  const bucketCount = Math.min(count, units);
  const buckets: StepRange[] = [];
  for (let i = 0; i < bucketCount; i++) {
    const start = (firstUnit + Math.floor((i * units) / bucketCount)) * unit;
    const end = (firstUnit + Math.floor(((i + 1) * units) / bucketCount)) * unit;
    buckets.push({ first: Math.max(range.first, start), last: Math.min(range.last, end - 1) });
  }
  return { level, buckets };
}

/** What to read for a bucketing: the whole blocks inside the range, and the cut blocks at its ends, finer. */
function runsToRead({ level }: Bucketing, range: StepRange): BlockRun[] {
  const unit = blockSize(level);
  const wholeStart = Math.ceil(range.first / unit) * unit;
  const wholeEnd = Math.floor((range.last + 1) / unit) * unit;
  if (wholeStart >= wholeEnd) return coveringRuns(range.first, range.last);
  return [
    ...coveringRuns(range.first, wholeStart - 1),
    { level, first: wholeStart, last: wholeEnd - 1 },
    ...coveringRuns(wholeEnd, range.last),
  ];
}

/** The index of the bucket holding `step` (buckets in order, together covering it). */
function bucketIndex(buckets: readonly StepRange[], step: number): number {
  let low = 0;
  let high = buckets.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if ((buckets[middle] as StepRange).first <= step) low = middle;
    else high = middle - 1;
  }
  return low;
}

export interface DownsampleQuery {
  readonly points: number;
  readonly from_step?: number | undefined;
  readonly to_step?: number | undefined;
}

/**
 * At most `points` history entries of a range for a chart: its first and last step,
 * and in each bucket, for every plotted series (each group's lr, `metric`, each named
 * metric), the earliest entry holding its lowest and its highest value, so no spike or
 * dip disappears. NaN values are never extremes. Read from the pyramid of block
 * extremes (store/history-extremes.ts): the work depends on `points`, not on the
 * session's length. Throws SessionNotFound, or InvalidInput when `points` cannot hold two
 * entries of every series.
 */
export function downsampleHistory(store: SessionStore, caller: Caller, id: string, query: DownsampleQuery): Promise<HistoryEntry[]> {
  return store.snapshot(async (reads) => {
    const session = await findSession(reads, caller, id);
    const range = { first: query.from_step ?? 0, last: Math.min(query.to_step ?? session.step, session.step) };
    const view = (entries: Iterable<StoredHistoryEntry>) => Array.from(entries, (entry) => historyEntryView(session, entry));
    if (range.first > range.last) return [];
    const steps = range.last - range.first + 1;
    if (steps <= query.points) {
      const entries: StoredHistoryEntry[] = [];
      for await (const entry of reads.historyAfter(session, range.first - 1, steps)) entries.push(entry);
      return view(entries);
    }

    // Every series the range plots may put two entries in every bucket.
    const series = new Set<string>();
    for (const run of coveringRuns(range.first, range.last)) {
      for (const candidate of await reads.extremeCandidates(session, run)) series.add(candidate.series);
    }
    const bucketCount = Math.floor((query.points - 2) / (2 * Math.max(series.size, 1)));
    if (bucketCount < 1) {
      const least = 2 + 2 * series.size;
      throw new InvalidInput(['points'], `must be at least ${least} to show this range's ${series.size} series`);
    }

    const bucketing = chartBuckets(range, bucketCount);
    const extremes = bucketing.buckets.map(() => new Map<string, SeriesExtremes>());
    for (const run of runsToRead(bucketing, range)) {
      for (const candidate of await reads.extremeCandidates(session, run)) {
        keepExtremes(extremes[bucketIndex(bucketing.buckets, candidate.step)] as Map<string, SeriesExtremes>, candidate);
      }
    }
    const chosen = new Set([range.first, range.last]);
    for (const bucket of extremes) {
      for (const { min, max } of bucket.values()) chosen.add(min.step).add(max.step);
    }
    return view(await reads.historyAtSteps(session, [...chosen].sort((a, b) => a - b)));
  });
}
