import { describe, expect, it } from 'vitest';
import { schedulerConfig } from '../../src/schedulers/registry.js';
import { previewSchedule } from '../../src/schedulers/schedule.js';

/**
 * Where PyTorch 1.13 (the golden traces) and the newest release differ, the service
 * follows the newest. The expected values are worked out by hand from the newest
 * release's code paths, noted beside each.
 */

const lrs = (config: object, steps: number) =>
  previewSchedule(schedulerConfig.parse(config), [{ lr: 1 }], Array.from({ length: steps }, () => ({}))).map(
    (point) => point.lrs[0],
  );

describe('newest-PyTorch behaviour', () => {
  it('SequentialLR with a milestone at 0 steps the next scheduler as already started', () => {
    // ExponentialLR decays on every step but its constructor's (_is_initial), so its
    // first step at last_epoch 0 already multiplies by gamma; 1.13 gave 0.5, 0.5, 0.45.
    const config = {
      type: 'SequentialLR',
      milestones: [0],
      schedulers: [
        { type: 'ConstantLR', factor: 0.5, total_iters: 2 },
        { type: 'ExponentialLR', gamma: 0.9 },
      ],
    };
    const [first, second, third] = lrs(config, 2);
    expect(first).toBe(0.5);
    expect(second).toBeCloseTo(0.45, 15);
    expect(third).toBeCloseTo(0.405, 15);
  });

  it('SequentialLR restarting a MultiplicativeLR applies its factor at epoch 0', () => {
    // The restart is _update_lr(0): no closed form, not the initial step, so lr * lambda(0);
    // 1.13 restarted with step(0) and skipped epoch 0 (0.5, 0.5, 0.5, 0.45).
    const config = {
      type: 'SequentialLR',
      milestones: [2],
      schedulers: [
        { type: 'ConstantLR', factor: 0.5, total_iters: 5 },
        { type: 'MultiplicativeLR', lr_lambda: '0.9' },
      ],
    };
    const points = lrs(config, 3);
    expect(points[0]).toBe(0.5);
    expect(points[1]).toBe(0.5);
    expect(points[2]).toBeCloseTo(0.45, 15);
    expect(points[3]).toBeCloseTo(0.405, 15);
  });
});
