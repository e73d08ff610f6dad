import { z } from 'zod';
import { MAX_WAIT_SECONDS } from '../limits.js';
import { reportSchema } from './sessions.js';
import { stateSchema } from './state.js';

/** Query, header and event schemas of the live routes: event streams and waits for a step. */

/** A wait for a step that names no `wait`: under the minute proxies commonly allow an idle request. */
export const DEFAULT_WAIT_SECONDS = 30;

const stepNumber = z.coerce.number().int().nonnegative();

export const eventsQuery = z.strictObject({
  after_step: stepNumber
    .optional()
    .describe('Resume after this step: every later step of the history is sent first (Last-Event-ID wins)'),
});

export const eventsHeaders = z.object({
  'last-event-id': z
    .string()
    .regex(/^\d{1,15}$/, 'must be a step number, the id of the last event received')
    .transform(Number)
    .optional()
    .describe("The id of the last event received: a browser's EventSource sends it when it reconnects"),
});

export const sessionEventSchema = z
  .object({
    step: z.number().int().describe("The event's id: the step reached, a rewind's target, the last step of a deleted session"),
    report: reportSchema.nullable().describe('What was reported for this step; null for rewind and deleted events'),
    state: stateSchema,
  })
  .meta({ id: 'SessionEvent' });

export type SessionEvent = z.infer<typeof sessionEventSchema>;

export const waitQuery = z.strictObject({
  min_step: stepNumber
    .optional()
    .describe('Answer once the session has reached this step (at once if it has); without it, at once'),
  wait: z.coerce
    .number()
    .nonnegative()
    .transform((seconds) => Math.min(seconds, MAX_WAIT_SECONDS))
    .default(DEFAULT_WAIT_SECONDS)
    .describe(
      `Seconds to wait for min_step (default ${DEFAULT_WAIT_SECONDS}, at most ${MAX_WAIT_SECONDS}: longer waits are cut to it); ` +
        'then the state as it is',
    ),
});

export type WaitQuery = z.infer<typeof waitQuery>;
