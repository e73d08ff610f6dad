import { z } from 'zod';
import { paramGroupInput } from '../schedulers/param-groups.js';
import { FINISH_REASONS } from '../schedulers/definition.js';
import { schedulerConfig } from '../schedulers/registry.js';
import { paramGroupRequestSchema, schedulerConfigRequestSchema } from './range-test-references.js';
import { stateSchema } from './state.js';
import { fromWire, wireNumber, wireNumberInput } from './wire-numbers.js';

/** Request and response bodies of the session routes: the one source of their types and docs. */

export const MAX_PARAM_GROUPS = 1000;
export const MAX_PREVIEW_STEPS = 100_000;
/** A preview answers every group's lr at every step; beyond this the answer runs to hundreds of MiB. */
export const MAX_PREVIEW_GROUP_STEPS = 1_000_000;
/** Metadata is kept with the session and sent with every listing of it. */
export const MAX_METADATA_BYTES = 64 * 1024;
/**
 * A page of a listing (sessions, history) stops before its JSON would exceed this, even
 * short of `limit` (but holds at least one item): 1000 entries of a 1000-group session
 * would otherwise run to tens of MiB, held in memory and sent at once.
 */
export const MAX_PAGE_BYTES = 4 * 1024 * 1024;

const paramGroups = z.array(paramGroupRequestSchema).min(1).max(MAX_PARAM_GROUPS).describe("The optimizer's param groups");

/** torch.optim refuses a negative lr when the optimizer is built; schedules may go below 0 later. */
function refuseNegativeLrs(groups: readonly { lr: unknown }[], context: z.RefinementCtx): void {
  groups.forEach((group, i) => {
    if (typeof group.lr === 'number' && group.lr < 0) {
      context.addIssue({ code: 'custom', message: 'must be >= 0', path: ['param_groups', i, 'lr'] });
    }
  });
}

/** Text the service stores as such: PostgreSQL's text cannot hold the NUL character, so neither store takes it. */
const storedText = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((text) => !text.includes('\0'), { message: 'must not contain the NUL character (U+0000)' });

export const sessionInputSchema = z
  .strictObject({
    name: storedText(200).optional().describe('Free-form display name'),
    key: storedText(200)
      .optional()
      .describe('Client-chosen unique key (e.g. the run id): creating again finds the same session'),
    param_groups: paramGroups,
    scheduler: schedulerConfigRequestSchema,
    metadata: z
      .record(z.string(), z.unknown())
      .refine((metadata) => Buffer.byteLength(JSON.stringify(metadata)) <= MAX_METADATA_BYTES, {
        message: `must be at most ${MAX_METADATA_BYTES} bytes as JSON`,
      })
      .optional()
      .describe(`Free-form JSON kept with the session (at most ${MAX_METADATA_BYTES} bytes)`),
    state_dict: z
      .record(z.string(), z.unknown())
      .transform((dict) => fromWire(dict) as Record<string, unknown>)
      .optional()
      .describe(
        "A PyTorch scheduler.state_dict() (1.13 or newer, as JSON) to continue from; param_groups then carry the optimizer's groups saved with it",
      ),
  })
  .superRefine((body, context) => {
    if (body.state_dict === undefined) refuseNegativeLrs(body.param_groups, context);
  })
  .meta({ id: 'NewSession' });

export type SessionInput = z.infer<typeof sessionInputSchema>;

export const sessionSchema = z
  .object({
    id: z.string(),
    name: z.string().nullable(),
    key: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    created_at: z.string().describe('ISO 8601 timestamp'),
    updated_at: z.string().describe('ISO 8601 timestamp of the last change'),
    param_groups: z.array(paramGroupInput).describe('The groups as given at creation'),
    scheduler: schedulerConfig,
    state: stateSchema,
  })
  .meta({ id: 'Session' });

export type Session = z.infer<typeof sessionSchema>;

// Any string: an id this service never handed out is simply not found (404).
export const sessionIdParams = z.object({ id: z.string() });

export const historyStepParams = sessionIdParams.extend({
  step: z.coerce.number().int().nonnegative().describe('The step (0 is the creation)'),
});

const cursor = z.string().max(200).optional().describe('next_cursor of the previous page');

/** The query string of a route that takes none: any parameter is refused by name, not ignored. */
export const noQuery = z.strictObject({});

export const listSessionsQuery = z
  .strictObject({
    limit: z.coerce.number().int().min(1).max(500).default(50),
    cursor,
    key: z.string().min(1).max(200).optional().describe('Only the session with this key: one item or none'),
  })
  .refine((query) => query.key === undefined || query.cursor === undefined, {
    message: 'a key finds at most one session: there is no next page',
    path: ['cursor'],
  });

export const sessionListSchema = z.object({
  items: z.array(sessionSchema),
  next_cursor: z.string().nullable(),
});

const reportFields = {
  metric: wireNumberInput.optional().describe('The metric ReduceLROnPlateau watches; stored for the others'),
  metrics: z
    .record(z.string().min(1).max(100), wireNumberInput)
    .optional()
    .describe('Other named numbers to keep in the history'),
  epoch: z
    .number()
    .refine(Number.isFinite, 'must be a finite number')
    .optional()
    .describe('scheduler.step(epoch): jump to this epoch (closed form where PyTorch has one)'),
};

export const reportInputSchema = z.strictObject(reportFields).meta({ id: 'StepReport' });

export type ReportInput = z.infer<typeof reportInputSchema>;

export const stepInputSchema = z
  .strictObject({
    ...reportFields,
    expected_step: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .describe('The state.step the client last saw; makes retries safe'),
  })
  .meta({ id: 'StepRequest' });

export type StepInput = z.infer<typeof stepInputSchema>;

/**
 * The step route's body. Every field is optional, so a bare POST with no body (which Fastify
 * hands the validator as null) is a report of nothing.
 */
export const stepBodySchema = stepInputSchema.nullable().transform((body): StepInput => body ?? {});

export const stepResultSchema = stateSchema
  .extend({ replayed: z.boolean().describe('True when this answers a retry of the last step') })
  .meta({ id: 'StepResult' });

export const rewindInputSchema = z
  .strictObject({ to_step: z.number().int().nonnegative().describe('The step to go back to (0 is the creation)') })
  .meta({ id: 'RewindRequest' });

export const reportSchema = z
  .object({
    metric: wireNumber.optional(),
    metrics: z.record(z.string(), wireNumber).optional(),
    epoch: z.number().optional(),
  })
  .meta({ id: 'RecordedReport' });

export const historyEntrySchema = z
  .object({
    step: z.number().int(),
    recorded_at: z.string(),
    report: reportSchema.nullable().describe('null for step 0, the creation'),
    state: stateSchema,
  })
  .meta({ id: 'HistoryEntry' });

export type HistoryEntry = z.infer<typeof historyEntrySchema>;

export const DEFAULT_HISTORY_PAGE = 100;
/** A chart is a few thousand pixels wide; beyond that, page through the history instead. */
export const MAX_HISTORY_POINTS = 2000;

const historyStep = z.coerce.number().int().nonnegative();

export const historyQuery = z
  .strictObject({
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(1000)
      .optional()
      // Applied by the route: a default here would hide whether a limit came along with points.
      .meta({ default: DEFAULT_HISTORY_PAGE })
      .describe('Entries per page; not with points'),
    cursor: cursor.describe('next_cursor of the previous page; not with points'),
    points: z.coerce
      .number()
      .int()
      .min(4)
      .max(MAX_HISTORY_POINTS)
      .optional()
      .describe(
        'Downsample for a chart: at most this many entries, always the first and last step and, in each bucket, ' +
          "the entries holding the lowest and highest value of every group's lr, metric and named metric",
      ),
    from_step: historyStep.optional().describe('With points: the first step of the range (default 0)'),
    to_step: historyStep.optional().describe('With points: the last step of the range (default: the last step)'),
  })
  .superRefine((query, context) => {
    const misplaced = (query.points === undefined ? ['from_step', 'to_step'] : ['limit', 'cursor']) as (keyof typeof query)[];
    for (const name of misplaced) {
      if (query[name] !== undefined) {
        const message = query.points === undefined ? 'only with points' : 'not with points: a downsampled history is one answer';
        context.addIssue({ code: 'custom', message, path: [name] });
      }
    }
    if (query.from_step !== undefined && query.to_step !== undefined && query.from_step > query.to_step) {
      context.addIssue({ code: 'custom', message: 'must not be after to_step', path: ['from_step'] });
    }
  });

export const historyPageSchema = z.object({
  items: z.array(historyEntrySchema),
  next_cursor: z.string().nullable().describe('null on the last page, and always with points'),
});

export const stateDictExportSchema = z
  .object({
    state_dict: z
      .record(z.string(), z.unknown())
      .describe("What PyTorch's scheduler.state_dict() holds for this schedule (callables as null)"),
    param_groups: z
      .array(paramGroupInput)
      .describe("The optimizer's groups now: what load_state_dict() alone does not restore"),
  })
  .meta({ id: 'StateDictExport' });

export type StateDictExport = z.infer<typeof stateDictExportSchema>;

const suggestionSchema = z.object({
  lr: wireNumber.describe('Suggested lr of the first group'),
  lrs: z.array(wireNumber).describe('Suggested lr of each group'),
  step: z.number().int().describe('The batch whose lr the rule picked'),
});

export const suggestionResponseSchema = z
  .object({
    steepest: suggestionSchema.describe('Where the smoothed loss falls fastest against log10(lr)'),
    minimum: suggestionSchema.describe('The lr at the lowest smoothed loss, divided by 10'),
    valley: suggestionSchema.describe("fastai's valley rule: inside the longest decreasing stretch"),
    finished: z.boolean(),
    finish_reason: z.enum(FINISH_REASONS).nullable(),
    points: z
      .array(
        z.object({
          step: z.number().int(),
          lr: wireNumber,
          lrs: z.array(wireNumber),
          loss: wireNumber,
          smoothed_loss: wireNumber,
        }),
      )
      .describe('Every batch: the lrs it ran with, its loss and the smoothed loss, for plotting loss against log lr'),
  })
  .meta({ id: 'RangeTestSuggestion' });

export type RangeTestSuggestionView = z.infer<typeof suggestionResponseSchema>;

export const previewInputSchema = z
  .strictObject({
    param_groups: paramGroups,
    scheduler: schedulerConfigRequestSchema,
    steps: z.number().int().min(0).max(MAX_PREVIEW_STEPS).optional().describe('Steps without reports'),
    reports: z.array(reportInputSchema).max(MAX_PREVIEW_STEPS).optional().describe('One report per step'),
  })
  .refine((body) => body.steps === undefined || body.reports === undefined, {
    message: 'give steps or reports, not both',
    path: ['reports'],
  })
  .superRefine((body, context) => {
    refuseNegativeLrs(body.param_groups, context);
    if (body.param_groups.length * (body.steps ?? body.reports?.length ?? 0) <= MAX_PREVIEW_GROUP_STEPS) return;
    context.addIssue({
      code: 'custom',
      message: `param_groups × steps must be at most ${MAX_PREVIEW_GROUP_STEPS}: preview fewer steps or groups`,
      path: [body.reports === undefined ? 'steps' : 'reports'],
    });
  })
  .meta({ id: 'PreviewRequest' });

export type PreviewInput = z.infer<typeof previewInputSchema>;

export const previewSchema = z.object({ points: z.array(stateSchema) });

export type Preview = z.infer<typeof previewSchema>;
