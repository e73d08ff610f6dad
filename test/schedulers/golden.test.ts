import { describe, expect, it } from 'vitest';
import { InvalidConfig, StepRefused } from '../../src/schedulers/errors.js';
import { paramGroupInput } from '../../src/schedulers/param-groups.js';
import { schedulerConfig } from '../../src/schedulers/registry.js';
import { advanceSchedule, startSchedule, viewSchedule, type Schedule } from '../../src/schedulers/schedule.js';
import { decode, expectPoint, GOLDEN_RELEASES } from '../support/golden.js';

/**
 * Every trace of PyTorch 1.13 and 2.13 replayed through the pure scheduler code, no HTTP,
 * no storage: every lr, momentum and best is PyTorch's double, bit for bit. glibc, which
 * PyTorch's math.cos and ** call, misrounds a few calls in ten thousand, where this code
 * rounds correctly; none of the calls behind these traces is one of them (re-recorded with
 * mpmath's correctly rounded results, the fixtures come out the same: see
 * pytorch-recorder.test.ts), so no value is excepted.
 */

describe.each(GOLDEN_RELEASES)('PyTorch %s traces through the pure core', (_pytorch, file) => {
  it.each(file.constructed.map((c) => [c.id, c] as const))('%s', (_id, golden) => {
    const config = schedulerConfig.parse(golden.scheduler);
    const groups = golden.param_groups.map((g) => paramGroupInput.parse(g));
    let schedule: Schedule = startSchedule(config, groups);
    expectPoint({ ...viewSchedule(schedule) }, golden.initial!, 'initial');

    golden.steps!.forEach((step, k) => {
      const report = {
        ...(step.metric !== undefined ? { metric: decode(step.metric) } : {}),
        ...(step.epoch !== undefined ? { epoch: step.epoch } : {}),
      };
      if (step.error) {
        const before = schedule;
        expect(() => advanceSchedule(schedule, report), `step ${k + 1}`).toThrow(StepRefused);
        expect(schedule).toBe(before);
        return;
      }
      schedule = advanceSchedule(schedule, report);
      expectPoint({ ...viewSchedule(schedule) }, step, `step ${k + 1}`);
    });
  });

  it.each(file.refused.map((c) => [c.id, c] as const))('%s is refused at construction', (_id, golden) => {
    const construct = () => {
      const config = schedulerConfig.parse(golden.scheduler);
      startSchedule(config, golden.param_groups.map((g) => paramGroupInput.parse(g)));
    };
    expect(construct).toThrow();
    try {
      construct();
    } catch (error) {
      // Refused as bad input (zod or InvalidConfig), never as an internal error.
      expect(error instanceof InvalidConfig || (error as Error).name === 'ZodError').toBe(true);
    }
  });
});
