import { describe, expect, it } from 'vitest';
import { fromWire, toWire } from '../../src/api/wire-numbers.js';
import type { StepReport } from '../../src/schedulers/definition.js';
import { InvalidConfig } from '../../src/schedulers/errors.js';
import { momentumOf, paramGroupInput, withMomentum, type ParamGroup } from '../../src/schedulers/param-groups.js';
import { schedulerConfig } from '../../src/schedulers/registry.js';
import {
  advanceSchedule,
  exportSchedule,
  importSchedule,
  startSchedule,
  viewSchedule,
  type Schedule,
} from '../../src/schedulers/schedule.js';
import {
  constructedCases,
  decode,
  expectPoint,
  expectSameDouble,
  GOLDEN_RELEASES,
  PYTORCH_2_13,
  type GoldenCase,
  type GoldenStep,
} from '../support/golden.js';

/** PyTorch state_dicts out of and into the core, checked against the recorded traces. */

const reportOf = (step: GoldenStep): StepReport => ({
  ...(step.metric !== undefined ? { metric: decode(step.metric) } : {}),
  ...(step.epoch !== undefined ? { epoch: step.epoch } : {}),
});

function setUp(golden: GoldenCase) {
  const config = schedulerConfig.parse(golden.scheduler);
  const groups = golden.param_groups.map((g) => paramGroupInput.parse(g));
  const steps = golden.steps!.filter((s) => !s.error);
  return { config, groups, steps };
}

/** The steps after `from` must reproduce the trace. */
function expectRestOfTrace(schedule: Schedule, steps: GoldenStep[], from: number, label: string) {
  let current = schedule;
  for (let j = from; j < steps.length; j++) {
    current = advanceSchedule(current, reportOf(steps[j]!));
    expectPoint({ ...viewSchedule(current) }, steps[j]!, `${label}, step ${j + 1}`);
  }
}

/**
 * The same JSON as PyTorch's state_dict: the same keys in the same order, numbers bit for
 * bit (JSON cannot tell PyTorch's 0 from 0.0, and neither does this).
 */
function expectSameStateDict(ours: unknown, pytorch: unknown, where: string): void {
  if (typeof pytorch === 'number' || pytorch === 'NaN' || pytorch === 'Infinity' || pytorch === '-Infinity') {
    expectSameDouble(ours, pytorch, where);
    return;
  }
  if (Array.isArray(pytorch)) {
    expect(Array.isArray(ours), where).toBe(true);
    expect((ours as unknown[]).length, where).toBe(pytorch.length);
    pytorch.forEach((item, i) => expectSameStateDict((ours as unknown[])[i], item, `${where}[${i}]`));
    return;
  }
  if (pytorch !== null && typeof pytorch === 'object') {
    expect(Object.keys(ours as object), `${where} keys`).toEqual(Object.keys(pytorch));
    for (const [key, value] of Object.entries(pytorch)) {
      expectSameStateDict((ours as Record<string, unknown>)[key], value, `${where}.${key}`);
    }
    return;
  }
  expect(ours, where).toEqual(pytorch);
}

const withStateDicts = (cases: readonly GoldenCase[]) => cases.filter((c) => c.steps?.some((s) => s.state_dict));

describe('state_dict export', () => {
  it.each(withStateDicts(PYTORCH_2_13.constructed).map((c) => [c.id, c] as const))(
    '%s holds what PyTorch 2.13 holds, under its keys',
    (_id, golden) => {
      const { config, groups } = setUp(golden);
      let schedule = startSchedule(config, groups);
      golden.steps!.forEach((step, k) => {
        if (step.error) return;
        schedule = advanceSchedule(schedule, reportOf(step));
        if (step.state_dict) expectSameStateDict(toWire(exportSchedule(schedule).state_dict), step.state_dict, `step ${k + 1}`);
      });
    },
  );
});

describe.each(GOLDEN_RELEASES)('state_dicts of PyTorch %s', (_pytorch, file) => {
  it.each(withStateDicts(file.constructed).map((c) => [c.id, c] as const))(
    '%s: the service continues from them exactly',
    (_id, golden) => {
      const { config, groups, steps } = setUp(golden);
      // The groups as the optimizer held them: what the constructor wrote, then lr and momentum at step k.
      const constructed = startSchedule(config, groups).groups;
      steps.forEach((step, k) => {
        if (!step.state_dict) return;
        const saved: ParamGroup[] = constructed.map((group, i) => {
          const at = { ...group, lr: decode(step.lrs![i]!) };
          return step.momentums ? withMomentum(at, decode(step.momentums[i]!)) : at;
        });
        const resumed = importSchedule(config, saved, fromWire(step.state_dict));
        expectPoint({ ...viewSchedule(resumed) }, step, `resumed at ${k + 1}`);
        expectRestOfTrace(resumed, steps, k + 1, `resumed at ${k + 1}`);
      });
    },
  );
});

describe('state_dict import', () => {
  it.each(constructedCases.map((c) => [c.id, c] as const))(
    '%s: exported at any step and imported again, continues exactly',
    (_id, golden) => {
      const { config, groups, steps } = setUp(golden);
      let schedule = startSchedule(config, groups);
      for (let k = 0; k <= steps.length; k++) {
        if (k > 0) schedule = advanceSchedule(schedule, reportOf(steps[k - 1]!));
        // Through JSON, as a client would carry it.
        const carried = JSON.parse(JSON.stringify(toWire(exportSchedule(schedule)))) as {
          state_dict: unknown;
          param_groups: ParamGroup[];
        };
        const resumed = importSchedule(config, carried.param_groups, fromWire(carried.state_dict));
        // ReduceLROnPlateau keeps no base_lrs in PyTorch; an imported session's are its groups' lrs then.
        const { base_lrs: _resumedBase, ...resumedView } = viewSchedule(resumed);
        const { base_lrs: _base, ...view } = viewSchedule(schedule);
        expect(resumedView).toEqual(view);
        if (config.type !== 'ReduceLROnPlateau') expect(_resumedBase).toEqual(_base);
        expectRestOfTrace(resumed, steps, k, `round trip at ${k}`);
      }
    },
  );

  it('refuses a state_dict that contradicts the config, naming the key', () => {
    const config = schedulerConfig.parse({ type: 'StepLR', step_size: 30 });
    const groups = [{ lr: 0.1 }];
    const { state_dict } = exportSchedule(startSchedule(config, groups));
    expect(() => importSchedule(config, groups, { ...state_dict, step_size: 10 })).toThrow(
      expect.objectContaining({ path: ['state_dict', 'step_size'] }),
    );
    expect(() => importSchedule(config, groups, { ...state_dict, base_lrs: [0.1, 0.2] })).toThrow(
      expect.objectContaining({ path: ['state_dict', 'base_lrs'] }),
    );
    expect(() => importSchedule(config, groups, { ...state_dict, last_epoch: 'x' })).toThrow(InvalidConfig);
  });

  it('accepts keys only some PyTorch versions write', () => {
    const config = schedulerConfig.parse({ type: 'OneCycleLR', max_lr: 0.1, total_steps: 10 });
    const started = startSchedule(config, [{ lr: 0.1, momentum: 0.9 }]);
    const { state_dict, param_groups } = exportSchedule(started);
    const old = { ...state_dict, anneal_func: null, verbose: false };
    delete (old as Record<string, unknown>)._anneal_func_type;
    delete (old as Record<string, unknown>)._is_initial;
    const resumed = importSchedule(config, param_groups, old);
    expect(viewSchedule(resumed)).toEqual(viewSchedule(started));
  });

  it('asks for the group keys OneCycleLR reads', () => {
    const config = schedulerConfig.parse({ type: 'OneCycleLR', max_lr: 0.1, total_steps: 10 });
    const { state_dict } = exportSchedule(startSchedule(config, [{ lr: 0.1, momentum: 0.9 }]));
    expect(() => importSchedule(config, [{ lr: 0.004, momentum: 0.95 }], state_dict)).toThrow(
      expect.objectContaining({ path: ['param_groups', 0, 'initial_lr'] }),
    );
  });

  it('keeps momentum cycling on the imported groups', () => {
    const config = schedulerConfig.parse({ type: 'CyclicLR', base_lr: 0.01, max_lr: 0.1, step_size_up: 4 });
    const started = startSchedule(config, [{ lr: 0.1, betas: [0.9, 0.999] }]);
    const { state_dict, param_groups } = exportSchedule(advanceSchedule(started, {}));
    expect(param_groups[0]).toMatchObject({ max_momentum: 0.9, base_momentum: 0.8 });
    const resumed = advanceSchedule(importSchedule(config, param_groups, state_dict), {});
    expect(momentumOf(resumed.groups[0]!)).toBeCloseTo(0.85, 12);
  });
});

// State_dicts that contradict the config, or hold what no step could have written, are refused.

function exported(scheduler: object, groups: ParamGroup[], reports: object[] = []) {
  const config = schedulerConfig.parse(scheduler);
  let schedule: Schedule = startSchedule(config, groups);
  for (const report of reports) schedule = advanceSchedule(schedule, report);
  return { config, schedule, ...exportSchedule(schedule) };
}

function refusedAt(config: Schedule['config'], groups: readonly ParamGroup[], stateDict: object): unknown {
  try {
    importSchedule(config, groups, stateDict);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidConfig);
    return (error as InvalidConfig).path;
  }
  throw new Error(`${JSON.stringify(stateDict)} was accepted`);
}

describe('last_epoch', () => {
  it.each([
    ['StepLR', { type: 'StepLR', step_size: 2 }],
    ['ReduceLROnPlateau', { type: 'ReduceLROnPlateau' }],
    ['CosineAnnealingWarmRestarts', { type: 'CosineAnnealingWarmRestarts', T_0: 2 }],
  ])('%s refuses NaN and the infinities', (_type, scheduler) => {
    const { config, state_dict, param_groups } = exported(scheduler, [{ lr: 0.1 }]);
    for (const bad of [NaN, Infinity, -Infinity]) {
      expect(refusedAt(config, param_groups, { ...state_dict, last_epoch: bad })).toEqual(['state_dict', 'last_epoch']);
    }
  });

  it('keeps the fraction step(epoch) gave, as PyTorch does (StepLR.step(2.5) leaves last_epoch 2.5)', () => {
    const { config, schedule, state_dict, param_groups } = exported({ type: 'StepLR', step_size: 2 }, [{ lr: 0.1 }], [
      { epoch: 2.5 },
    ]);
    expect(state_dict.last_epoch).toBe(2.5);
    expect(viewSchedule(importSchedule(config, param_groups, state_dict))).toEqual(viewSchedule(schedule));
  });

  it('CosineAnnealingWarmRestarts floors it and keeps the fraction in T_cur', () => {
    // torch 1.13: CosineAnnealingWarmRestarts(SGD(lr=0.1), T_0=2).step(2.5) saves
    // last_epoch 2, T_cur 0.5 and _last_lr [0.08535533905932738].
    const { config, state_dict, param_groups } = exported({ type: 'CosineAnnealingWarmRestarts', T_0: 2 }, [{ lr: 0.1 }], [
      { epoch: 2.5 },
    ]);
    expect(state_dict).toMatchObject({ last_epoch: 2, T_cur: 0.5, T_i: 2 });
    expectSameDouble((state_dict._last_lr as number[])[0], 0.08535533905932738, '_last_lr');
    expect(() => importSchedule(config, param_groups, state_dict)).not.toThrow();
    expect(refusedAt(config, param_groups, { ...state_dict, last_epoch: 2.5 })).toEqual(['state_dict', 'last_epoch']);
    expect(refusedAt(config, param_groups, { ...state_dict, T_cur: NaN })).toEqual(['state_dict', 'T_cur']);
    expect(refusedAt(config, param_groups, { ...state_dict, T_i: 2.5 })).toEqual(['state_dict', 'T_i']);
    expect(refusedAt(config, param_groups, { ...state_dict, T_mult: 2 })).toEqual(['state_dict', 'T_mult']);
  });
});

describe('LRRangeTest', () => {
  const groups = [{ lr: 1e-4 }];
  const losses = [{ metric: 2.3 }, { metric: 2.2 }, { metric: 2.1 }];

  it('continues from its own state_dict', () => {
    const { config, schedule, state_dict, param_groups } = exported({ type: 'LRRangeTest', num_iter: 5 }, groups, losses);
    expect(viewSchedule(importSchedule(config, param_groups, state_dict))).toEqual(viewSchedule(schedule));
  });

  it('refuses lrs the config contradicts', () => {
    const { config, state_dict, param_groups } = exported({ type: 'LRRangeTest', end_lr: 1, start_lr: 1e-5 }, groups, losses);
    expect(refusedAt(config, param_groups, { ...state_dict, end_lrs: [10] })).toEqual(['state_dict', 'end_lrs']);
    expect(refusedAt(config, param_groups, { ...state_dict, base_lrs: [1e-4] })).toEqual(['state_dict', 'base_lrs']);
  });

  it('takes any positive start without start_lr, but exp mode needs it > 0', () => {
    const { config, state_dict, param_groups } = exported({ type: 'LRRangeTest' }, groups, losses);
    expect(() => importSchedule(config, param_groups, { ...state_dict, base_lrs: [1e-6] })).not.toThrow();
    expect(refusedAt(config, param_groups, { ...state_dict, base_lrs: [0] })).toEqual(['state_dict', 'base_lrs']);
    const linear = exported({ type: 'LRRangeTest', step_mode: 'linear' }, groups, losses);
    expect(() => importSchedule(linear.config, linear.param_groups, { ...linear.state_dict, base_lrs: [0] })).not.toThrow();
  });

  it('refuses a last_epoch outside [0, num_iter] or at odds with finish_reason', () => {
    const { config, state_dict, param_groups } = exported({ type: 'LRRangeTest', num_iter: 5 }, groups, losses);
    for (const last_epoch of [1.5, -1, 6, 5, NaN]) {
      expect(refusedAt(config, param_groups, { ...state_dict, last_epoch }), String(last_epoch)).toEqual([
        'state_dict',
        'last_epoch',
      ]);
    }
    const ranOut = { ...state_dict, finished: true, finish_reason: 'num_iter' };
    expect(refusedAt(config, param_groups, { ...ranOut, last_epoch: 4 })).toEqual(['state_dict', 'last_epoch']);
    expect(() => importSchedule(config, param_groups, { ...ranOut, last_epoch: 5 })).not.toThrow();
    const diverged = { ...state_dict, finished: true, finish_reason: 'diverged' };
    expect(() => importSchedule(config, param_groups, { ...diverged, last_epoch: 5 })).not.toThrow();
    expect(refusedAt(config, param_groups, { ...diverged, last_epoch: 0 })).toEqual(['state_dict', 'last_epoch']);
  });
});
