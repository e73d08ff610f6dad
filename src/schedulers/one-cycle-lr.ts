import { z } from 'zod';
import { mathCos, PI } from '../numerics/index.js';
import { finiteNumber, numberOrPerGroup, positiveInt, quotient, unitInterval } from './config-fields.js';
import { epochScheduler, type LrContext } from './epoch-scheduler.js';
import { InvalidConfig, StepRefused } from './errors.js';
import { perGroup, withMomentum, type ParamGroup } from './param-groups.js';

const config = z.strictObject({
  max_lr: numberOrPerGroup.describe('Peak lr, for all groups or per group'),
  total_steps: positiveInt.nullable().default(null).describe('Length of the cycle; or give epochs and steps_per_epoch'),
  epochs: positiveInt.nullable().default(null),
  steps_per_epoch: positiveInt.nullable().default(null),
  pct_start: unitInterval().default(0.3).describe('Fraction of the cycle spent increasing the lr'),
  anneal_strategy: z.enum(['cos', 'linear']).default('cos'),
  cycle_momentum: z.boolean().default(true).describe('Cycle momentum (or beta1) inversely to the lr'),
  base_momentum: numberOrPerGroup.default(0.85),
  max_momentum: numberOrPerGroup.default(0.95),
  div_factor: finiteNumber.default(25.0).describe('initial_lr = max_lr / div_factor'),
  final_div_factor: finiteNumber.default(1e4).describe('min_lr = initial_lr / final_div_factor'),
  three_phase: z.boolean().default(false).describe("Anneal back to initial_lr before min_lr (fast.ai's schedule)"),
});

type Config = z.infer<typeof config>;

type LrKey = 'initial_lr' | 'max_lr' | 'min_lr';
type MomentumKey = 'max_momentum' | 'base_momentum';

interface Phase {
  readonly end_step: number;
  readonly start_lr: LrKey;
  readonly end_lr: LrKey;
  readonly start_momentum: MomentumKey;
  readonly end_momentum: MomentumKey;
}

function totalSteps(c: Config): number {
  if (c.total_steps !== null) return c.total_steps;
  if (c.epochs !== null && c.steps_per_epoch !== null) return c.epochs * c.steps_per_epoch;
  throw new InvalidConfig(['total_steps'], 'You must define either total_steps OR (epochs AND steps_per_epoch)');
}

// Phases depend on the config alone; steps of a long preview share them.
const phaseCache = new WeakMap<Config, readonly Phase[]>();

function phases(c: Config): readonly Phase[] {
  let cached = phaseCache.get(c);
  if (!cached) {
    cached = buildPhases(c);
    phaseCache.set(c, cached);
  }
  return cached;
}

function buildPhases(c: Config): Phase[] {
  const total = totalSteps(c);
  const warmupEnd = c.pct_start * total - 1;
  if (!c.three_phase) {
    return [
      { end_step: warmupEnd, start_lr: 'initial_lr', end_lr: 'max_lr', start_momentum: 'max_momentum', end_momentum: 'base_momentum' },
      { end_step: total - 1, start_lr: 'max_lr', end_lr: 'min_lr', start_momentum: 'base_momentum', end_momentum: 'max_momentum' },
    ];
  }
  return [
    { end_step: warmupEnd, start_lr: 'initial_lr', end_lr: 'max_lr', start_momentum: 'max_momentum', end_momentum: 'base_momentum' },
    { end_step: 2 * c.pct_start * total - 2, start_lr: 'max_lr', end_lr: 'initial_lr', start_momentum: 'base_momentum', end_momentum: 'max_momentum' },
    { end_step: total - 1, start_lr: 'initial_lr', end_lr: 'min_lr', start_momentum: 'max_momentum', end_momentum: 'max_momentum' },
  ];
}

const anneal = {
  cos: (start: number, end: number, pct: number) => end + ((start - end) / 2.0) * (mathCos(PI * pct) + 1),
  linear: (start: number, end: number, pct: number) => (end - start) * pct + start,
};

/** The phase `step` falls in and how far through it, as PyTorch's get_lr() walks them. */
function locate(c: Config, step: number): { phase: Phase; pct: number } {
  const total = totalSteps(c);
  if (step > total) {
    throw new StepRefused(`OneCycleLR cannot take step ${step}: the cycle has total_steps = ${total}`, ['total_steps']);
  }
  const all = phases(c);
  const last = all.length - 1;
  let start = 0.0;
  let i = 0;
  // The last phase takes every step past the others (PyTorch's `or i == len - 1`).
  while (i < last && step > (all[i] as Phase).end_step) {
    start = (all[i] as Phase).end_step;
    i += 1;
  }
  const phase = all[i] as Phase;
  if (phase.end_step === start) {
    // PyTorch's ZeroDivisionError: pct_start * total_steps puts a phase boundary at a
    // phase's start (the first phase ends at step 0, or a later one has no length).
    const message = `OneCycleLR's phase ${i + 1} ends where it starts, at step ${start} (pct_start ${c.pct_start})`;
    throw new StepRefused(message, ['pct_start']);
  }
  return { phase, pct: (step - start) / (phase.end_step - start) };
}

const read = (group: ParamGroup, key: LrKey | MomentumKey): number => group[key] as number;

/**
 * The 1cycle policy (Smith & Topin): the lr rises from max_lr/div_factor to max_lr, then
 * anneals far below the start, with momentum moving the other way. Stepped every batch.
 */
export const oneCycleLR = epochScheduler({
  type: 'OneCycleLR',
  config,
  prepare(c, groups) {
    totalSteps(c);
    const n = groups.length;
    const maxLrs = perGroup('max_lr', c.max_lr, n);
    const maxMomentums = perGroup('max_momentum', c.max_momentum, n);
    const baseMomentums = perGroup('base_momentum', c.base_momentum, n);
    return groups.map((g, i) => {
      const max_lr = maxLrs[i] as number;
      const initial_lr = quotient(['div_factor'], max_lr, c.div_factor);
      const min_lr = quotient(['final_div_factor'], initial_lr, c.final_div_factor);
      const withLrs = { ...g, initial_lr, max_lr, min_lr };
      if (!c.cycle_momentum) return withLrs;
      const max_momentum = maxMomentums[i] as number;
      return withMomentum({ ...withLrs, max_momentum, base_momentum: baseMomentums[i] }, max_momentum);
    });
  },
  attributes: (c, groups) => ({
    total_steps: totalSteps(c),
    _schedule_phases: phases(c),
    _anneal_func_type: c.anneal_strategy,
    cycle_momentum: c.cycle_momentum,
    ...(c.cycle_momentum ? { use_beta1: groups[0]?.betas !== undefined } : {}),
  }),
  groupKeys: (c) =>
    c.cycle_momentum
      ? ['initial_lr', 'max_lr', 'min_lr', 'max_momentum', 'base_momentum']
      : ['initial_lr', 'max_lr', 'min_lr'],
  lrs(c, at) {
    const { phase, pct } = locate(c, at.last_epoch);
    return at.groups.map((g) => anneal[c.anneal_strategy](read(g, phase.start_lr), read(g, phase.end_lr), pct));
  },
  cyclesMomentum: (c) => c.cycle_momentum,
  momentums(c, at: LrContext) {
    const { phase, pct } = locate(c, at.last_epoch);
    return at.groups.map((g) =>
      anneal[c.anneal_strategy](read(g, phase.start_momentum), read(g, phase.end_momentum), pct),
    );
  },
});
