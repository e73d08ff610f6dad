import { describe, expect, it } from 'vitest';
import { schedulerConfig } from '../../src/schedulers/registry.js';
import { exportSchedule, previewSchedule, startSchedule } from '../../src/schedulers/schedule.js';
import { expectSameDouble } from '../support/golden.js';

/**
 * CyclicLR takes any step sizes PyTorch takes: it does float(step_size_up) and
 * float(step_size_down), so fractions, a step_size_down of 0 (a sawtooth) and even a
 * negative size are schedules. The numbers were recorded from torch 1.13:
 * CyclicLR(SGD(lr=0.1, momentum=0.9), base_lr=0.01, max_lr=0.1, **sizes), then 9 step()s,
 * reading get_last_lr() and the group's momentum.
 */
const recorded = [
  {
    sizes: { step_size_up: 3, step_size_down: 0 },
    total_size: 3,
    step_ratio: 1,
    lrs: [
      0.01, 0.039999999999999994, 0.06999999999999999, 0.01, 0.03999999999999998, 0.07000000000000003, 0.01,
      0.040000000000000015, 0.06999999999999999, 0.01,
    ],
    momentums: [
      0.9, 0.8666666666666667, 0.8333333333333334, 0.9, 0.8666666666666667, 0.8333333333333334, 0.9,
      0.8666666666666667, 0.8333333333333334, 0.9,
    ],
  },
  {
    sizes: { step_size_up: 2.5 },
    total_size: 5,
    step_ratio: 0.5,
    lrs: [
      0.01, 0.046, 0.08199999999999999, 0.08199999999999999, 0.046, 0.01, 0.04600000000000004, 0.08199999999999999,
      0.08199999999999999, 0.04600000000000004,
    ],
    momentums: [
      0.9, 0.8600000000000001, 0.8200000000000001, 0.8200000000000001, 0.8600000000000001, 0.9, 0.86,
      0.8200000000000001, 0.8200000000000001, 0.86,
    ],
  },
  {
    sizes: { step_size_up: 2.5, step_size_down: 1.5, mode: 'triangular2' },
    total_size: 4,
    step_ratio: 0.625,
    lrs: [
      0.01, 0.046000000000000006, 0.082, 0.07, 0.01, 0.028000000000000004, 0.046000000000000006, 0.04, 0.01,
      0.019000000000000003,
    ],
    momentums: [
      0.9, 0.86, 0.8200000000000001, 0.8333333333333334, 0.9, 0.88, 0.86, 0.8666666666666667, 0.9, 0.89,
    ],
  },
  {
    sizes: { step_size_up: -1, step_size_down: 3 },
    total_size: 2,
    step_ratio: -0.5,
    lrs: [0.07, 0.04, 0.07, 0.04, 0.07, 0.04, 0.07, 0.04, 0.07, 0.04],
    momentums: [
      0.8333333333333334, 0.8666666666666667, 0.8333333333333334, 0.8666666666666667, 0.8333333333333334,
      0.8666666666666667, 0.8333333333333334, 0.8666666666666667, 0.8333333333333334, 0.8666666666666667,
    ],
  },
];

describe('CyclicLR step sizes as PyTorch takes them', () => {
  it.each(recorded.map((r) => [JSON.stringify(r.sizes), r] as const))('%s', (_name, r) => {
    const config = schedulerConfig.parse({ type: 'CyclicLR', base_lr: 0.01, max_lr: 0.1, ...r.sizes });
    const groups = [{ lr: 0.1, momentum: 0.9 }];
    const points = previewSchedule(config, groups, Array.from({ length: 9 }, () => ({})));
    points.forEach((point, k) => {
      expectSameDouble(point.lrs[0], r.lrs[k]!, `lr ${k}`);
      expectSameDouble(point.momentums?.[0], r.momentums[k]!, `momentum ${k}`);
    });
    const { state_dict } = exportSchedule(startSchedule(config, groups));
    expect(state_dict).toMatchObject({ total_size: r.total_size, step_ratio: r.step_ratio });
  });
});
