import type { z } from 'zod';
import type { ParamGroup } from './param-groups.js';
import type { StateDict, StateDictReader } from './state-dict.js';

/** What a training job reports after an epoch (or batch), as the core sees it. */
export interface StepReport {
  /** ReduceLROnPlateau's `step(metrics)`; ignored by the others. */
  readonly metric?: number;
  /** PyTorch's `step(epoch)`; absent for the usual `step()`. */
  readonly epoch?: number;
  /**
   * Steps PyTorch takes on its own (never set from a request): `initial` is the
   * constructor's `_initial_step()`, `restart` is SequentialLR's `_update_lr(0)` at a
   * milestone, which leaves `_step_count` alone.
   */
  readonly mode?: 'initial' | 'restart';
}

/** Any scheduler config as the registry sees it: the class name and its arguments. */
export interface SchedulerConfig {
  readonly type: string;
}

/** Every leaf scheduler keeps PyTorch's `last_epoch` (composites keep their children's states). */
export interface LeafState {
  readonly last_epoch: number;
}

export interface Advanced<S> {
  readonly state: S;
  readonly groups: readonly ParamGroup[];
}

/** The public numbers of a state beside the groups' lrs and momentums. */
export interface Described {
  readonly last_epoch: number;
  readonly base_lrs: readonly number[];
  readonly plateau?: {
    readonly best: number;
    readonly num_bad_epochs: number;
    readonly cooldown_counter: number;
  };
  readonly rangeTest?: RangeTestProgress;
}

/** Why an LR range test ended: the loss diverged, or it ran all `num_iter` batches. */
export const FINISH_REASONS = ['diverged', 'num_iter'] as const;

export type FinishReason = (typeof FINISH_REASONS)[number];

/** Where an LR range test stands. */
export interface RangeTestProgress {
  readonly finished: boolean;
  readonly finish_reason: FinishReason | null;
  /** The bias-corrected smoothed loss of the last report (null before the first). */
  readonly smoothed_loss: number | null;
  /** The lowest smoothed loss so far (null before the first report). */
  readonly best_loss: number | null;
}

/**
 * One PyTorch scheduler class as pure functions over plain JSON. The registry holds
 * one of these per `type`; routes, storage and composites only ever use this contract.
 */
// `any` defaults let the registry hold definitions of every config and state type: with
// `unknown`, a definition of one config type would not be assignable to the registry's.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
export interface SchedulerDefinition<C = any, S = any> {
  /** PyTorch's class name, the `type` of a config. */
  readonly type: string;
  /** Constructor arguments with PyTorch's names and defaults (without `type`). */
  readonly config: z.ZodType<C>;
  /** The constructor, including the initial step PyTorch takes in it. Throws InvalidConfig. */
  construct(config: C, groups: readonly ParamGroup[]): Advanced<S>;
  /** One `scheduler.step(...)`. Throws InvalidReport or StepRefused, never half-way. */
  step(config: C, state: S, groups: readonly ParamGroup[], report: StepReport): Advanced<S>;
  describe(config: C, state: S, groups: readonly ParamGroup[]): Described;
  /** Whether groups' momentum (or beta1) is part of the schedule. */
  cyclesMomentum(config: C): boolean;
  /** PyTorch's `state_dict()`, as JSON with PyTorch's keys (callables as null). */
  stateDict(config: C, state: S, groups: readonly ParamGroup[]): StateDict;
  /** What `load_state_dict()` restores. Throws InvalidConfig with paths inside the state_dict. */
  loadStateDict(config: C, stateDict: StateDictReader, groups: readonly ParamGroup[]): S;
  /** Group keys later steps read besides lr and momentum, so a resumed schedule needs them. */
  groupKeys(config: C): readonly (keyof ParamGroup)[];
  /**
   * Work units of one step (and of constructing, which takes one) over `groupCount` groups,
   * from the config alone (see work.ts); one per group when absent.
   */
  stepWork?(config: C, groupCount: number): number;
  /** Whether every step needs the metric (so composites, which step without one, cannot hold it). */
  readonly needsMetric?: boolean;
  /** Whether it nests other schedulers (SequentialLR, ChainedScheduler), whose step() takes no epoch. */
  readonly composite?: boolean;
}

/** How composites reach the schedulers they nest, without importing the registry. */
export interface NestedSchedulers {
  readonly config: z.ZodType<SchedulerConfig>;
  definitionOf(type: string): SchedulerDefinition;
}
