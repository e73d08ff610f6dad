import { describe, expect, it } from 'vitest';
import type { ParamGroupInput } from '../../src/schedulers/param-groups.js';
import { InvalidConfig } from '../../src/schedulers/errors.js';
import { schedulerConfig } from '../../src/schedulers/registry.js';
import { advanceSchedule, startSchedule } from '../../src/schedulers/schedule.js';
import { domainProblem } from '../../src/plugins/problems.js';
import { refusingAtRequestPaths } from '../../src/sessions/refusals.js';

/**
 * Configs PyTorch's constructors raise on (ZeroDivisionError, a lambda that raises at
 * epoch 0, ...) are refused as InvalidConfig naming the field to blame. Each case was
 * checked against torch 1.13, which raises ZeroDivisionError for all of them.
 */

const sgd: ParamGroupInput[] = [{ lr: 0.1, momentum: 0.9 }];

function refusal(scheduler: object, groups: ParamGroupInput[] = sgd): InvalidConfig {
  try {
    startSchedule(schedulerConfig.parse(scheduler), groups);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidConfig);
    return error as InvalidConfig;
  }
  throw new Error(`${JSON.stringify(scheduler)} was accepted`);
}

describe('constructor divisions by zero', () => {
  it.each([
    // min_lr = initial_lr / final_div_factor
    [{ type: 'OneCycleLR', max_lr: 1, total_steps: 4, final_div_factor: 0 }, ['final_div_factor']],
    // initial_lr = max_lr / div_factor
    [{ type: 'OneCycleLR', max_lr: 1, total_steps: 4, div_factor: 0 }, ['div_factor']],
    [{ type: 'OneCycleLR', max_lr: [1], total_steps: 4, div_factor: 0 }, ['div_factor']],
    // pct_start * total_steps = 1: the first phase ends at step 0, where it starts.
    [{ type: 'OneCycleLR', max_lr: 1, total_steps: 4, pct_start: 0.25 }, ['pct_start']],
    [{ type: 'OneCycleLR', max_lr: 1, total_steps: 10, pct_start: 0.1, three_phase: true }, ['pct_start']],
    // step_ratio = step_size_up / (step_size_up + step_size_down)
    [{ type: 'CyclicLR', base_lr: 0.01, max_lr: 0.1, step_size_up: 2, step_size_down: -2 }, ['step_size_down']],
    [{ type: 'CyclicLR', base_lr: 0.01, max_lr: 0.1, step_size_up: 0 }, ['step_size_up']],
    // The first iteration divides its position (0) by step_ratio = 0.
    [{ type: 'CyclicLR', base_lr: 0.01, max_lr: 0.1, step_size_up: 0, step_size_down: 4 }, ['step_size_up']],
  ])('%j is refused at %j', (scheduler, path) => {
    expect(refusal(scheduler).path).toEqual(path);
  });

  it('refuses a divisor so small that the lr it gives overflows', () => {
    // PyTorch would go on with an infinite initial_lr; no step could use it.
    expect(refusal({ type: 'OneCycleLR', max_lr: 1e300, total_steps: 4, div_factor: 1e-300 }).path).toEqual([
      'div_factor',
    ]);
    expect(refusal({ type: 'OneCycleLR', max_lr: 1, total_steps: 4, final_div_factor: 1e-320 }).path).toEqual([
      'final_div_factor',
    ]);
  });

  it('still takes the configs next to those', () => {
    for (const scheduler of [
      { type: 'OneCycleLR', max_lr: 1, total_steps: 4, final_div_factor: 1e-3 },
      { type: 'OneCycleLR', max_lr: 1, total_steps: 4, pct_start: 0.5 },
      { type: 'CyclicLR', base_lr: 0.01, max_lr: 0.1, step_size_up: 2, step_size_down: 0 },
    ]) {
      expect(() => startSchedule(schedulerConfig.parse(scheduler), sgd), JSON.stringify(scheduler)).not.toThrow();
    }
  });
});

describe('expressions that raise in the constructor name their field', () => {
  it('LambdaLR evaluates lr_lambda at epoch 0', () => {
    expect(refusal({ type: 'LambdaLR', lr_lambda: '1/epoch' }).path).toEqual(['lr_lambda']);
  });

  it('names the group of a per-group lr_lambda', () => {
    const error = refusal({ type: 'LambdaLR', lr_lambda: ['1', '1/epoch'] }, [{ lr: 0.1 }, { lr: 0.2 }]);
    expect(error.path).toEqual(['lr_lambda', 1]);
    expect(error.message).toContain('lr_lambda[1]');
  });

  it('CyclicLR evaluates scale_fn at iteration 0', () => {
    const scheduler = { type: 'CyclicLR', base_lr: 0.01, max_lr: 0.1, scale_fn: '1/x', scale_mode: 'iterations' };
    expect(refusal(scheduler).path).toEqual(['scale_fn']);
  });

  it('inside a composite, under the child', () => {
    const scheduler = { type: 'ChainedScheduler', schedulers: [{ type: 'LambdaLR', lr_lambda: '1/epoch' }] };
    expect(refusal(scheduler).path).toEqual(['schedulers', 0, 'lr_lambda']);
  });

  it('which a problem document reads as scheduler.lr_lambda', () => {
    const config = schedulerConfig.parse({ type: 'LambdaLR', lr_lambda: '1/epoch' });
    let refused: unknown;
    try {
      refusingAtRequestPaths(() => startSchedule(config, sgd));
    } catch (error) {
      refused = error;
    }
    expect(domainProblem(refused)).toMatchObject({
      type: 'urn:lrsched:problem:invalid-request',
      status: 400,
      errors: [{ path: 'scheduler.lr_lambda' }],
    });
  });

  it('while a later step that raises is still a refused step, not a refused config', () => {
    const schedule = startSchedule(schedulerConfig.parse({ type: 'LambdaLR', lr_lambda: '1/(epoch - 1)' }), sgd);
    expect(() => advanceSchedule(schedule, {})).toThrow(/lr_lambda failed at epoch = 1/);
    expect(() => advanceSchedule(schedule, {})).not.toThrow(InvalidConfig);
  });
});

describe('non-finite lrs from the constructor', () => {
  it('CosineAnnealingWarmRestarts refuses them as the other schedulers do', () => {
    // base_lr - eta_min overflows, so the first lr would be Infinity.
    const error = refusal({ type: 'CosineAnnealingWarmRestarts', T_0: 2, eta_min: -1.5e308 }, [{ lr: 1.5e308 }]);
    expect(error.message).toMatch(/Infinity/);
  });
});

describe('SequentialLR', () => {
  it('takes a composite only as its first scheduler', () => {
    const chained = { type: 'ChainedScheduler', schedulers: [{ type: 'ConstantLR' }] };
    const first = { type: 'SequentialLR', milestones: [2], schedulers: [chained, { type: 'ConstantLR' }] };
    expect(() => startSchedule(schedulerConfig.parse(first), sgd)).not.toThrow();
    const later = { type: 'SequentialLR', milestones: [2], schedulers: [{ type: 'ConstantLR' }, chained] };
    expect(refusal(later).path).toEqual(['schedulers', 1, 'type']);
  });
});
