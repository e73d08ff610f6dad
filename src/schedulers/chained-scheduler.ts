import { z } from 'zod';
import { atMost, MAX_NESTED_SCHEDULERS } from '../limits.js';
import type { NestedSchedulers, SchedulerDefinition } from './definition.js';
import {
  childGroupKeys,
  childrenWork,
  childStateDicts,
  constructChildren,
  loadChildren,
  refuseChildren,
  refuseEpoch,
  stepChild,
  type CompositeState,
} from './nested.js';

/** Steps all its schedulers every epoch, each on the lrs the previous one left (their effects multiply). */
export function chainedScheduler(nested: NestedSchedulers) {
  const config = z.strictObject({
    schedulers: z
      .array(nested.config)
      .min(1)
      .max(MAX_NESTED_SCHEDULERS, atMost('MAX_NESTED_SCHEDULERS', MAX_NESTED_SCHEDULERS))
      .describe('The schedulers, stepped in this order'),
  });
  type Config = z.infer<typeof config>;

  const first = (c: Config, state: CompositeState) => ({
    config: c.schedulers[0] as Config['schedulers'][number],
    state: state.children[0],
  });

  const definition: SchedulerDefinition<Config, CompositeState> = {
    type: 'ChainedScheduler',
    config,
    composite: true,

    construct(c, groups) {
      refuseChildren(c.schedulers, (child) =>
        nested.definitionOf(child.type).needsMetric
          ? `ChainedScheduler steps its schedulers without a metric, which ${child.type} needs`
          : null,
      );
      return constructChildren(nested, c.schedulers, groups);
    },

    step(c, state, groups, report) {
      refuseEpoch('ChainedScheduler', report);
      let current = { state, groups };
      for (let i = 0; i < c.schedulers.length; i++) {
        current = stepChild(nested, c.schedulers, current.state, i, current.groups, {});
      }
      return current;
    },

    // ChainedScheduler has no last_epoch or base_lrs of its own; report its first scheduler's.
    describe(c, state, groups) {
      const { config: firstConfig, state: firstState } = first(c, state);
      return nested.definitionOf(firstConfig.type).describe(firstConfig, firstState, groups);
    },

    cyclesMomentum: (c) => c.schedulers.some((child) => nested.definitionOf(child.type).cyclesMomentum(child)),

    stateDict: (c, state, groups) => ({
      _last_lr: state.last_lr,
      _schedulers: childStateDicts(nested, c.schedulers, state, groups),
    }),

    loadStateDict: (c, dict, groups) => loadChildren(nested, c.schedulers, dict, groups),

    groupKeys: (c) => childGroupKeys(nested, c.schedulers),

    stepWork: (c, groupCount) => childrenWork(nested, c.schedulers, groupCount),
  };
  return definition;
}
