import { describe, expect, it } from 'vitest';
import { compileExpression, meteringBigIntWork } from '../../src/expressions/index.js';
import { MAX_BIGINT_WORK } from '../../src/limits.js';
import { WorkLimitExceeded } from '../../src/schedulers/errors.js';
import { schedulerConfig } from '../../src/schedulers/registry.js';
import { previewSchedule, scheduleWork, startSchedule } from '../../src/schedulers/schedule.js';

/** The work model (schedulers/work.ts) and the big-integer meter (expressions/work-meter.ts). */

const config = (c: object) => schedulerConfig.parse(c);
const groups = (n: number) => Array.from({ length: n }, () => ({ lr: 0.1 }));

describe('operations of an expression', () => {
  it.each([
    ['epoch', 1],
    ['epoch + 1', 3],
    ['0.95 ** epoch', 18], // ** calls the libm: 16
    ['exp(-epoch / 10)', 20],
    ['min(1.0, (epoch + 1) / 5)', 7], // min is no libm call
    ['1 if epoch < 5 else cos(epoch)', 22],
  ])('%s counts %i', (source, operations) => {
    expect(compileExpression(source, 'epoch').operations).toBe(operations);
  });
});

describe('work units of a step', () => {
  it('is one per param group for a plain scheduler', () => {
    expect(scheduleWork(config({ type: 'StepLR', step_size: 3 }), 7)).toBe(7);
    expect(scheduleWork(config({ type: 'ReduceLROnPlateau' }), 7)).toBe(7);
  });

  it("adds every group's expression evaluations, 32 operations to the unit", () => {
    const shared = config({ type: 'LambdaLR', lr_lambda: '0.95 ** epoch' });
    expect(scheduleWork(shared, 10)).toBe(10 + (10 * 18) / 32);
    const perGroup = config({ type: 'LambdaLR', lr_lambda: ['epoch', '0.95 ** epoch'] });
    expect(scheduleWork(perGroup, 2)).toBe(2 + (1 + 18) / 32);
    // CyclicLR evaluates its scale_fn for the lrs and again for the momentums.
    const cyclic = config({ type: 'CyclicLR', base_lr: 0.01, max_lr: 0.1, scale_fn: '0.5 ** x' });
    expect(scheduleWork(cyclic, 4)).toBe(4 + (2 * 18) / 32);
  });

  it('adds the milestones MultiStepLR scans on every step', () => {
    const milestones = Array.from({ length: 10_000 }, (_, i) => i);
    expect(scheduleWork(config({ type: 'MultiStepLR', milestones }), 3)).toBe(3 + 10_000 / 256);
  });

  it('adds up the children of composites', () => {
    const chained = config({
      type: 'ChainedScheduler',
      schedulers: [{ type: 'ExponentialLR', gamma: 0.9 }, { type: 'LambdaLR', lr_lambda: '0.95 ** epoch' }],
    });
    expect(scheduleWork(chained, 10)).toBe(10 + 10 + (10 * 18) / 32);
    const sequential = config({ type: 'SequentialLR', milestones: [5], schedulers: [{ type: 'ConstantLR' }, chained] });
    expect(scheduleWork(sequential, 10)).toBe(10 + 10 + scheduleWork(chained, 10));
  });
});

describe('the big-integer work meter', () => {
  const bomb = Array.from({ length: 50 }, () => '9**20000//9**19999').join('+');

  it('stops an evaluation past its allowance, and charges nothing outside a metered extent', () => {
    const expression = compileExpression(bomb, 'epoch');
    const started = performance.now();
    expect(() => meteringBigIntWork(MAX_BIGINT_WORK, () => expression.evaluate(1))).toThrow(/MAX_BIGINT_WORK/);
    // Ten 991-word powers at most: milliseconds, not the 30 ms the whole evaluation takes.
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(compileExpression('9**40//9**39', 'epoch').evaluate(0)).toBe(9);
  });

  it('charges nothing for expressions that stay within the doubles', () => {
    const expression = compileExpression('(epoch + 1) / 1000 if epoch < 1000 else 0.5 * (1 + cos(pi * epoch / 9e4))', 'epoch');
    // An allowance of one word product: any BigInt result would exceed it.
    meteringBigIntWork(1, () => {
      for (let epoch = 0; epoch < 5_000; epoch++) expression.evaluate(epoch);
    });
  });

  it('refuses a schedule whose creation runs over, naming the expression field inside the composite', () => {
    const sequential = config({
      type: 'SequentialLR',
      milestones: [3],
      schedulers: [{ type: 'ConstantLR' }, { type: 'LambdaLR', lr_lambda: bomb }],
    });
    const error = (() => {
      try {
        startSchedule(sequential, groups(1));
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(WorkLimitExceeded);
    expect((error as WorkLimitExceeded).path).toEqual(['schedulers', 1, 'lr_lambda']);
    expect((error as WorkLimitExceeded).limit).toBe('MAX_BIGINT_WORK');
  });

  it('gives a whole preview one allowance, and says at which step it ran out', () => {
    // ~1.2·10^5 word products per evaluation: a few dozen steps fit, a hundred do not.
    const lambda = config({ type: 'LambdaLR', lr_lambda: '(epoch + 2) ** 3000 // (epoch + 1) ** 2999 * 0 + 1' });
    expect(previewSchedule(lambda, groups(1), Array.from({ length: 20 }, () => ({})))).toHaveLength(21);
    expect(() => previewSchedule(lambda, groups(1), Array.from({ length: 200 }, () => ({})))).toThrow(
      expect.objectContaining({ name: 'WorkLimitExceeded', path: ['lr_lambda'], message: expect.stringMatching(/^step \d+: /) }),
    );
  });
});
