import { z } from 'zod';
import { FINISH_REASONS } from '../schedulers/definition.js';
import type { ScheduleView } from '../schedulers/schedule.js';
import { toWireNumber, wireNumber } from './wire-numbers.js';

export const stateSchema = z
  .object({
    step: z.number().int().describe('Reports applied since creation (0 right after creation)'),
    last_epoch: wireNumber.describe("PyTorch's last_epoch after that many step() calls"),
    base_lrs: z.array(wireNumber).describe("PyTorch's base_lrs (ReduceLROnPlateau: the groups' lrs at creation)"),
    lrs: z.array(wireNumber).describe('The lr of each group to use now: get_last_lr()'),
    momentums: z
      .array(wireNumber)
      .optional()
      .describe('Momentum (or beta1) per group, where the scheduler cycles it'),
    best: wireNumber.optional().describe('ReduceLROnPlateau: best metric so far'),
    num_bad_epochs: z.number().int().optional().describe('ReduceLROnPlateau: epochs without improvement'),
    cooldown_counter: z.number().int().optional().describe('ReduceLROnPlateau: cooldown epochs left'),
    finished: z.boolean().optional().describe('LRRangeTest: whether the test has ended'),
    finish_reason: z
      .enum(FINISH_REASONS)
      .nullable()
      .optional()
      .describe('LRRangeTest: why it ended, null while running'),
    smoothed_loss: wireNumber.nullable().optional().describe('LRRangeTest: smoothed loss of the last batch'),
    best_loss: wireNumber.nullable().optional().describe('LRRangeTest: lowest smoothed loss so far'),
  })
  .meta({ id: 'State' });

export type State = z.infer<typeof stateSchema>;

/** The contract's State for a view after `step` reports (hot in previews: no generic walks). */
export function toState(step: number, view: ScheduleView): State {
  const state: State = {
    step,
    last_epoch: toWireNumber(view.last_epoch),
    base_lrs: view.base_lrs.map(toWireNumber),
    lrs: view.lrs.map(toWireNumber),
  };
  if (view.momentums) state.momentums = view.momentums.map(toWireNumber);
  if (view.best !== undefined) {
    state.best = toWireNumber(view.best);
    state.num_bad_epochs = view.num_bad_epochs;
    state.cooldown_counter = view.cooldown_counter;
  }
  if (view.finished !== undefined) {
    state.finished = view.finished;
    state.finish_reason = view.finish_reason ?? null;
    state.smoothed_loss = view.smoothed_loss == null ? null : toWireNumber(view.smoothed_loss);
    state.best_loss = view.best_loss == null ? null : toWireNumber(view.best_loss);
  }
  return state;
}
