import { z } from 'zod';
import type { ScheduleView } from '../schedulers/schedule.js';
import { toWire, wireNumber } from './wire-numbers.js';

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
  })
  .meta({ id: 'State' });

export type State = z.infer<typeof stateSchema>;

export function toState(step: number, view: ScheduleView): State {
  return { step, ...(toWire(view) as Omit<State, 'step'>) };
}
