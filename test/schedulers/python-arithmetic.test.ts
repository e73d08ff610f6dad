import { describe, expect, it } from 'vitest';
import { StepRefused } from '../../src/schedulers/errors.js';
import { schedulerConfig } from '../../src/schedulers/registry.js';
import { previewSchedule } from '../../src/schedulers/schedule.js';

/**
 * Where Python raises in a scheduler's formula, PyTorch's step() raises and the service
 * refuses that step, in Python's words; JavaScript would carry on with an infinity. Each
 * case was run with torch 1.13, whose step() raised as noted.
 */

function refusal(scheduler: object, reports: object[], groups: object[] = [{ lr: 0.1, momentum: 0.9 }]): StepRefused {
  try {
    previewSchedule(schedulerConfig.parse(scheduler), groups as never, reports);
  } catch (error) {
    expect(error).toBeInstanceOf(StepRefused);
    return error as StepRefused;
  }
  throw new Error('no step was refused');
}

describe('Python arithmetic errors refuse the step', () => {
  it('CyclicLR triangular2: 2.0 ** 1024 overflows (OverflowError at step 1024)', () => {
    const config = { type: 'CyclicLR', base_lr: 0.01, max_lr: 0.1, step_size_up: 0.5, mode: 'triangular2' };
    const error = refusal(config, Array.from({ length: 1100 }, () => ({})));
    expect(error.message).toBe(
      'step 1024: CyclicLR cannot step to epoch 1024: OverflowError: numerical result out of range',
    );
  });

  it('PolynomialLR with a negative power: 0.0 ** -1.0 at total_iters (ZeroDivisionError at step 4)', () => {
    const config = { type: 'PolynomialLR', total_iters: 4, power: -1.0 };
    const error = refusal(config, [{}, {}, {}, {}, {}], [{ lr: 0.1 }]);
    expect(error.message).toBe(
      'step 4: PolynomialLR cannot step to epoch 4: ZeroDivisionError: 0.0 cannot be raised to a negative power',
    );
    expect(refusal(config, [{ epoch: 4 }], [{ lr: 0.1 }]).message).toContain('ZeroDivisionError');
  });

  it('ExponentialLR.step(400) with gamma 10: 10.0 ** 400 overflows (OverflowError)', () => {
    const error = refusal({ type: 'ExponentialLR', gamma: 10 }, [{ epoch: 400 }], [{ lr: 0.1 }]);
    expect(error.message).toContain('OverflowError');
  });
});
