import { z } from 'zod';
import { atMost, MAX_MILESTONES, MAX_NESTED_SCHEDULERS } from '../limits.js';
import { nonNegativeInt } from './config-fields.js';
import type { NestedSchedulers, SchedulerDefinition } from './definition.js';
import { InvalidConfig } from './errors.js';
import {
  childGroupKeys,
  childrenWork,
  childStateDicts,
  loadChildren,
  constructChildren,
  refuseChildren,
  refuseEpoch,
  stepChild,
  undoInitialStep,
  type CompositeState,
} from './nested.js';

interface SequentialState extends CompositeState {
  readonly last_epoch: number;
}

/** Python's bisect.bisect_right, so unsorted milestones behave exactly as in PyTorch. */
function bisectRight(values: readonly number[], x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x < (values[mid] as number)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Runs its schedulers one after another, switching at each milestone; the scheduler
 * taking over restarts from epoch 0 on the groups' current lrs (e.g. warmup, then cosine).
 */
export function sequentialLR(nested: NestedSchedulers) {
  const config = z.strictObject({
    schedulers: z
      .array(nested.config)
      .min(1)
      .max(MAX_NESTED_SCHEDULERS, atMost('MAX_NESTED_SCHEDULERS', MAX_NESTED_SCHEDULERS))
      .describe('The schedulers, in the order they take over'),
    milestones: z
      .array(nonNegativeInt)
      .max(MAX_MILESTONES, atMost('MAX_MILESTONES', MAX_MILESTONES))
      .describe('Epochs at which the next scheduler takes over'),
  });
  type Config = z.infer<typeof config>;

  const definition: SchedulerDefinition<Config, SequentialState> = {
    type: 'SequentialLR',
    config,
    composite: true,

    construct(c, groups) {
      refuseChildren(c.schedulers, (child, i) => {
        const definition = nested.definitionOf(child.type);
        if (definition.needsMetric) {
          return `SequentialLR does not support ${child.type}: it steps its schedulers without a metric`;
        }
        if (i > 0 && definition.composite) {
          return `${child.type} can only be the first scheduler of a SequentialLR: PyTorch restarts the others with step(0), which ${child.type} does not take`;
        }
        return null;
      });
      if (c.milestones.length !== c.schedulers.length - 1) {
        throw new InvalidConfig(
          ['milestones'],
          `Sequential Schedulers expects number of schedulers provided to be one more than the number of milestone points, but got number of schedulers ${c.schedulers.length} and the number of milestones to be equal to ${c.milestones.length}`,
        );
      }
      const built = constructChildren(nested, c.schedulers, groups);
      // PyTorch then resets the lrs, undoes every child's initial step and redoes it for the
      // scheduler that runs at epoch 0: the first, or a later one if a milestone is 0.
      const reset = built.groups.map((g) => ({ ...g, lr: g.initial_lr ?? g.lr }));
      const undone = { ...built.state, children: built.state.children.map(undoInitialStep) };
      const current = stepChild(nested, c.schedulers, undone, bisectRight(c.milestones, 0), reset, { mode: 'initial' });
      return { state: { ...current.state, last_epoch: 0 }, groups: current.groups };
    },

    step(c, state, groups, report) {
      refuseEpoch('SequentialLR', report);
      const last_epoch = state.last_epoch + 1;
      const index = bisectRight(c.milestones, last_epoch);
      const restarts = index > 0 && c.milestones[index - 1] === last_epoch;
      const stepped = stepChild(
        nested,
        c.schedulers,
        state,
        index,
        groups,
        restarts ? { epoch: 0, mode: 'restart' } : {},
      );
      return { state: { ...stepped.state, last_epoch }, groups: stepped.groups };
    },

    describe: (_c, state, groups) => ({
      last_epoch: state.last_epoch,
      base_lrs: groups.map((g) => g.initial_lr ?? g.lr),
    }),

    cyclesMomentum: (c) => c.schedulers.some((child) => nested.definitionOf(child.type).cyclesMomentum(child)),

    stateDict: (c, state, groups) => ({
      _milestones: c.milestones,
      last_epoch: state.last_epoch,
      _last_lr: state.last_lr,
      _schedulers: childStateDicts(nested, c.schedulers, state, groups),
    }),

    loadStateDict(c, dict, groups) {
      dict.agrees({ _milestones: c.milestones });
      return { ...loadChildren(nested, c.schedulers, dict, groups), last_epoch: dict.integer('last_epoch') };
    },

    groupKeys: (c) => childGroupKeys(nested, c.schedulers),

    // Resetting the groups' lrs at construction, and the children (the active one steps).
    stepWork: (c, groupCount) => groupCount + childrenWork(nested, c.schedulers, groupCount),
  };
  return definition;
}
