import { z } from 'zod';
import { floatPower } from '../numerics/index.js';
import { finiteNumber, nonNegativeInt } from './config-fields.js';
import { atMost, MAX_MILESTONES } from '../limits.js';
import { currentLrs, epochScheduler } from './epoch-scheduler.js';
import { milestoneWork } from './work.js';

function countOf(milestones: readonly number[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const m of milestones) counts[m] = (counts[m] ?? 0) + 1;
  return counts;
}

/** Multiplies the lr by `gamma` at each milestone (once per repetition of it). */
export const multiStepLR = epochScheduler({
  type: 'MultiStepLR',
  config: z.strictObject({
    milestones: z
      .array(nonNegativeInt)
      .max(MAX_MILESTONES, atMost('MAX_MILESTONES', MAX_MILESTONES))
      .describe('Epochs at which to decay; repeats decay again'),
    gamma: finiteNumber.default(0.1).describe('Multiplicative factor of lr decay'),
  }),
  // PyTorch keeps milestones as a Counter: {epoch: times}.
  attributes: ({ milestones, gamma }) => ({ milestones: countOf(milestones), gamma }),
  lrs: ({ milestones, gamma }, at) => {
    const hits = milestones.filter((m) => m === at.last_epoch).length;
    return hits === 0 ? currentLrs(at) : at.groups.map((g) => g.lr * floatPower(gamma, hits));
  },
  closedForm: ({ milestones, gamma }, at) => {
    // bisect_right over the sorted milestones: how many have been passed.
    const passed = milestones.filter((m) => m <= at.last_epoch).length;
    return at.base_lrs.map((base) => base * floatPower(gamma, passed));
  },
  // Every step scans the milestones.
  stepWork: ({ milestones }, groupCount) => groupCount + milestoneWork(milestones.length),
});
