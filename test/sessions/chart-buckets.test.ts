import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chartBuckets } from '../../src/sessions/downsample-history.js';
import { blockSize, TOP_LEVEL } from '../../src/store/history-extremes.js';

const ranges = fc
  .record({ first: fc.integer({ min: 0, max: 2 ** 31 }), length: fc.integer({ min: 1, max: 2 ** 26 }) })
  .map(({ first, length }) => ({ first, last: first + length - 1 }));
const counts = fc.integer({ min: 1, max: 2_000 });

describe('chartBuckets', () => {
  it('splits the range into min(count, steps) consecutive non-empty buckets that cover it exactly', () => {
    fc.assert(
      fc.property(ranges, counts, (range, count) => {
        const { buckets } = chartBuckets(range, count);
        expect(buckets).toHaveLength(Math.min(count, range.last - range.first + 1));
        expect(buckets[0]!.first).toBe(range.first);
        expect(buckets.at(-1)!.last).toBe(range.last);
        buckets.forEach((bucket, i) => {
          expect(bucket.last).toBeGreaterThanOrEqual(bucket.first);
          if (i > 0) expect(bucket.first).toBe(buckets[i - 1]!.last + 1);
        });
      }),
    );
  });

  it('builds buckets of whole blocks of the largest level no wider than a bucket should be, of nearly equal width', () => {
    fc.assert(
      fc.property(ranges, counts, (range, count) => {
        const { level, buckets } = chartBuckets(range, count);
        const steps = range.last - range.first + 1;
        const unit = blockSize(level);
        expect(level === 0 || unit * count <= steps).toBe(true);
        expect(level === TOP_LEVEL || blockSize(level + 1) * count > steps).toBe(true);
        // Inner boundaries fall on block boundaries: a bucket's extremes come from whole blocks.
        for (const bucket of buckets.slice(1)) expect(bucket.first % unit).toBe(0);
        // Widths in blocks, before the range's ends cut the outer two, differ by at most one.
        const widths = buckets.map((b) => Math.floor(b.last / unit) - Math.floor(b.first / unit) + 1);
        expect(Math.max(...widths) - Math.min(...widths)).toBeLessThanOrEqual(1);
      }),
    );
  });
});
