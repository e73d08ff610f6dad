import { describe, expect, it } from 'vitest';
import { suggest, type RangePoint } from '../../src/range-test/suggestions.js';
import { schedulerConfig } from '../../src/schedulers/registry.js';
import { advanceSchedule, startSchedule, viewSchedule, type Schedule } from '../../src/schedulers/schedule.js';
import { StepRefused } from '../../src/schedulers/errors.js';
import { syntheticLoss } from '../support/synthetic-loss.js';

/** Runs a range test on the synthetic model until it ends, recording each batch as the service would. */
function runRangeTest(config: object, lossAt: (lr: number, i: number) => number, lr = 1e-7) {
  let schedule: Schedule = startSchedule(schedulerConfig.parse({ type: 'LRRangeTest', ...config }), [{ lr }]);
  const points: RangePoint[] = [];
  for (let i = 0; !viewSchedule(schedule).finished; i++) {
    const used = viewSchedule(schedule).lrs[0] as number;
    const loss = lossAt(used, i);
    schedule = advanceSchedule(schedule, { metric: loss });
    points.push({ step: i + 1, lrs: [used], loss, smoothed_loss: viewSchedule(schedule).smoothed_loss as number });
  }
  return { schedule, points };
}

// Independent implementations of the three rules, written straight from their definitions.
const reference = {
  usable: (points: RangePoint[]) =>
    points.filter((p, i) => i >= 10 && i < points.length - 1 && Number.isFinite(p.loss) && Number.isFinite(p.smoothed_loss)),

  steepest(points: RangePoint[]): number {
    const y = points.map((p) => p.smoothed_loss);
    const x = points.map((p) => Math.log10(p.lrs[0]!));
    let bestIndex = 0;
    let bestSlope = Infinity;
    for (let i = 0; i < y.length; i++) {
      let slope: number;
      if (i === 0) slope = (y[1]! - y[0]!) / (x[1]! - x[0]!);
      else if (i === y.length - 1) slope = (y[i]! - y[i - 1]!) / (x[i]! - x[i - 1]!);
      else {
        // Second-order accurate derivative through three unevenly spaced points (Lagrange).
        const [x0, x1, x2] = [x[i - 1]!, x[i]!, x[i + 1]!];
        slope =
          (y[i - 1]! * (x1 - x2)) / ((x0 - x1) * (x0 - x2)) +
          (y[i]! * (2 * x1 - x0 - x2)) / ((x1 - x0) * (x1 - x2)) +
          (y[i + 1]! * (x1 - x0)) / ((x2 - x0) * (x2 - x1));
      }
      if (slope < bestSlope) {
        bestSlope = slope;
        bestIndex = i;
      }
    }
    return points[bestIndex]!.lrs[0]!;
  },

  minimum(points: RangePoint[]): number {
    let best = 0;
    points.forEach((p, i) => {
      if (p.smoothed_loss < points[best]!.smoothed_loss) best = i;
    });
    return points[best]!.lrs[0]! / 10;
  },

  valley(points: RangePoint[]): number {
    const losses = points.map((p) => p.smoothed_loss);
    const lds = losses.map(() => 1);
    let maxEnd = 0;
    for (let i = 1; i < losses.length; i++) {
      for (let j = 0; j < i; j++) {
        if (losses[i]! < losses[j]! && lds[i]! < lds[j]! + 1) lds[i] = lds[j]! + 1;
      }
      if (lds[i]! > lds[maxEnd]!) maxEnd = i;
    }
    const start = Math.max(0, maxEnd - lds[maxEnd]!);
    const sections = (maxEnd - start) / 3;
    return points[start + Math.trunc(sections) + Math.trunc(sections / 2)]!.lrs[0]!;
  },
};

describe('range test suggestions', () => {
  it.each([1, 2, 3, 42, 2026])('agree with independent implementations of each rule (seed %i)', (seed) => {
    for (const step_mode of ['exp', 'linear'] as const) {
      const model = syntheticLoss(seed);
      const start = step_mode === 'exp' ? 1e-7 : 1e-4;
      const { points } = runRangeTest({ end_lr: 10, num_iter: 200, step_mode }, (lr) => model(lr), start);
      const result = suggest(points);
      if (typeof result === 'string') throw new Error(result);
      const usable = reference.usable(points);
      expect(result.steepest.lr).toBe(reference.steepest(usable));
      expect(result.minimum.lr).toBe(reference.minimum(usable));
      expect(result.valley.lr).toBe(reference.valley(usable));
      if (step_mode === 'exp') {
        // On a U with its bottom near 1e-2, the suggestions sit on the falling side of it.
        expect(result.minimum.lr).toBeLessThan(0.1);
        expect(result.steepest.lr).toBeLessThan(0.1);
      }
    }
  });

  it('needs at least 2 usable points', () => {
    const points = Array.from({ length: 12 }, (_, i) => ({ step: i + 1, lrs: [10 ** (i - 12)], loss: 1, smoothed_loss: 1 }));
    expect(typeof suggest(points)).toBe('string');
    expect(typeof suggest([...points, { step: 13, lrs: [1], loss: 1, smoothed_loss: 1 }])).toBe('object');
  });
});

describe('LRRangeTest steps', () => {
  it('moves the lr geometrically from start_lr to exactly end_lr', () => {
    const { points, schedule } = runRangeTest({ end_lr: 1, num_iter: 5, smooth: 0 }, () => 1, 1e-4);
    // Each step multiplies the lr by (1 / 1e-4) ** (1 / 4) = 10: 1e-4, 1e-3, 1e-2, 0.1, then 1.
    const expected = [1e-4, 1e-3, 1e-2, 0.1, 1];
    const lrs = points.map((p) => p.lrs[0]!);
    expect(lrs).toHaveLength(expected.length);
    lrs.forEach((lr, i) => expect(Math.abs(lr - expected[i]!) / expected[i]!, `lr of step ${i + 1}: ${lr}`).toBeLessThan(1e-12));
    expect(lrs[0]).toBe(1e-4);
    expect(lrs[4]).toBe(1);
    expect(viewSchedule(schedule)).toMatchObject({ finished: true, finish_reason: 'num_iter', last_epoch: 5 });
  });

  it('moves the lr arithmetically in linear mode', () => {
    const { points } = runRangeTest({ start_lr: 0, end_lr: 1, num_iter: 5, step_mode: 'linear', smooth: 0 }, () => 1);
    expect(points.map((p) => p.lrs[0])).toEqual([0, 0.25, 0.5, 0.75, 1]);
  });

  it('smooths with the bias-corrected moving average', () => {
    const losses = [2, 4, 3];
    const { points } = runRangeTest({ num_iter: 10, smooth: 0.5 }, (_lr, i) => losses[i] ?? 3.5);
    // avg: 1, 2.5, 2.75; corrected by 1 - 0.5^(i+1): 2, 3.333…, 3.142857…
    expect(points[0]!.smoothed_loss).toBe(2);
    expect(points[1]!.smoothed_loss).toBeCloseTo(2.5 / 0.75, 14);
    expect(points[2]!.smoothed_loss).toBeCloseTo(2.75 / 0.875, 14);
  });

  it('stops when the smoothed loss exceeds diverge_threshold times the best, and refuses further steps', () => {
    const losses = [1, 0.9, 0.8, 5];
    const { schedule, points } = runRangeTest({ num_iter: 100, smooth: 0, diverge_threshold: 4 }, (_lr, i) => losses[i]!);
    expect(points).toHaveLength(4);
    expect(viewSchedule(schedule)).toMatchObject({ finished: true, finish_reason: 'diverged', best_loss: 0.8 });
    expect(() => advanceSchedule(schedule, { metric: 1 })).toThrow(StepRefused);
    // The lr stays at the one the diverging batch used.
    expect(viewSchedule(schedule).lrs[0]).toBe(points[3]!.lrs[0]);
  });

  it('does not stop at exactly diverge_threshold times the best', () => {
    const losses = [1, 4, 1];
    const { points } = runRangeTest({ num_iter: 3, smooth: 0, diverge_threshold: 4 }, (_lr, i) => losses[i]!);
    expect(points).toHaveLength(3);
  });

  it('stops on a NaN or infinite loss', () => {
    for (const bad of [Number.NaN, Infinity]) {
      const { schedule, points } = runRangeTest({ num_iter: 100 }, (_lr, i) => (i === 20 ? bad : 1 / (i + 1)));
      expect(points).toHaveLength(21);
      expect(viewSchedule(schedule).finish_reason).toBe('diverged');
    }
  });
});
