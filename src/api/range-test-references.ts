import { z } from 'zod';
import { RULES, type Rule } from '../range-test/suggestions.js';
import type { SchedulerConfig } from '../schedulers/definition.js';
import { paramGroupInput } from '../schedulers/param-groups.js';
import { widenedSchedulerConfig } from '../schedulers/registry.js';

/**
 * A request may give a group's `lr` or a scheduler's `max_lr` as a range test's suggestion
 * instead of a number. These are request-side types: the use cases resolve every reference
 * to its number before the core sees a config, and the session records the number.
 */

export const rangeTestReferenceSchema = z
  .strictObject({
    from_range_test: z.strictObject({
      session: z.string().min(1).max(200).describe('Id of an LRRangeTest session with enough points for a suggestion'),
      rule: z
        .enum(RULES as [Rule, ...Rule[]])
        .default('steepest')
        .describe('Which of its suggestions (GET /v1/sessions/{id}/suggestion) to take'),
    }),
  })
  .meta({
    id: 'RangeTestReference',
    description: "A range test's suggested lr, resolved when the request is made; the session records the number",
  });

export type RangeTestReference = z.infer<typeof rangeTestReferenceSchema>;

export function isRangeTestReference(value: unknown): value is RangeTestReference {
  return typeof value === 'object' && value !== null && 'from_range_test' in value;
}

/** A field that takes its numbers, or a reference that stands for them. */
function orReference<T extends z.ZodType>(field: T, numbers: string) {
  return z
    .union([field, rangeTestReferenceSchema], {
      error: `must be ${numbers}, or {"from_range_test": {"session": "<id>", "rule": "steepest"}}`,
    })
    .describe(`${field.description ?? ''}; or a range test's suggestion`);
}

export const paramGroupRequestSchema = paramGroupInput.extend({ lr: orReference(paramGroupInput.shape.lr, 'a number') });

export type ParamGroupRequest = z.infer<typeof paramGroupRequestSchema>;

/** A scheduler config as a request gives it: any `max_lr`, at any depth, may be a reference. */
export interface SchedulerConfigRequest extends SchedulerConfig {
  readonly max_lr?: number | readonly number[] | RangeTestReference;
  readonly schedulers?: readonly SchedulerConfigRequest[];
}

export const schedulerConfigRequestSchema = widenedSchedulerConfig<SchedulerConfigRequest>('Request', (config) => {
  const maxLr = config.shape.max_lr as z.ZodType | undefined;
  return maxLr && config.extend({ max_lr: orReference(maxLr, 'a number or a list with one per param group') });
});
