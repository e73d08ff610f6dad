import { z } from 'zod';
import {
  MAX_COMPOSITE_DEPTH,
  MAX_CURSOR_LENGTH,
  MAX_HISTORY_PAGE,
  MAX_HISTORY_POINTS,
  MAX_METADATA_BYTES,
  MAX_METRIC_NAME_LENGTH,
  MAX_METRICS_PER_REPORT,
  MAX_NAME_LENGTH,
  MAX_NESTED_SCHEDULERS,
  MAX_PARAM_GROUPS,
  MAX_PREVIEW_GROUP_STEPS,
  MAX_PREVIEW_STEPS,
  MAX_PREVIEW_WORK,
  MAX_SCHEDULER_CONFIG_BYTES,
  MAX_SESSIONS_PAGE,
  MAX_STEP_WORK,
  atMost,
} from '../limits.js';
import { paramGroupInput } from '../schedulers/param-groups.js';
import { FINISH_REASONS, type SchedulerConfig } from '../schedulers/definition.js';
import { schedulerConfig } from '../schedulers/registry.js';
import { scheduleWork } from '../schedulers/schedule.js';
import { paramGroupRequestSchema, schedulerConfigRequestSchema } from './range-test-references.js';
import { stateSchema } from './state.js';
import { fromWire, wireNumber, wireNumberInput } from './wire-numbers.js';

/** Request and response bodies of the session routes: the one source of their types and docs. */

const paramGroups = z
  .array(paramGroupRequestSchema)
  .min(1)
  .max(MAX_PARAM_GROUPS, atMost('MAX_PARAM_GROUPS', MAX_PARAM_GROUPS))
  .describe("The optimizer's param groups");

/** How deep composites nest (a leaf is 0) and how many schedulers a config holds at every level. */
function configShape(config: SchedulerConfig): { depth: number; schedulers: number } {
  const children = (config as { schedulers?: readonly SchedulerConfig[] }).schedulers ?? [];
  const shapes = children.map(configShape);
  return {
    depth: children.length === 0 ? 0 : 1 + Math.max(...shapes.map((shape) => shape.depth)),
    schedulers: 1 + shapes.reduce((sum, shape) => sum + shape.schedulers, 0),
  };
}

/**
 * Refuses what the limits on a scheduler config as a whole forbid, which no single field's
 * schema sees: composite depth, schedulers at every level, size as JSON. True when within.
 */
function withinConfigLimits(scheduler: SchedulerConfig, context: z.RefinementCtx): boolean {
  const shape = configShape(scheduler);
  const bytes = Buffer.byteLength(JSON.stringify(scheduler));
  const problems = [
    shape.depth > MAX_COMPOSITE_DEPTH &&
      `composites nest ${shape.depth} levels deep; ${atMost('MAX_COMPOSITE_DEPTH', MAX_COMPOSITE_DEPTH)}`,
    shape.schedulers > MAX_NESTED_SCHEDULERS &&
      `holds ${shape.schedulers} schedulers at all levels; ${atMost('MAX_NESTED_SCHEDULERS', MAX_NESTED_SCHEDULERS)}`,
    bytes > MAX_SCHEDULER_CONFIG_BYTES &&
      `is ${bytes} bytes as JSON; ${atMost('MAX_SCHEDULER_CONFIG_BYTES', MAX_SCHEDULER_CONFIG_BYTES)}`,
  ].filter((message): message is string => message !== false);
  for (const message of problems) context.addIssue({ code: 'custom', message, path: ['scheduler'] });
  return problems.length === 0;
}

/** Work units of one step, rounded up (see schedulers/work.ts). */
const stepWork = (body: { scheduler: SchedulerConfig; param_groups: readonly unknown[] }): number =>
  Math.ceil(scheduleWork(body.scheduler, body.param_groups.length));

/** torch.optim refuses a negative lr when the optimizer is built; schedules may go below 0 later. */
function refuseNegativeLrs(groups: readonly { lr: unknown }[], context: z.RefinementCtx): void {
  groups.forEach((group, i) => {
    if (typeof group.lr === 'number' && group.lr < 0) {
      context.addIssue({ code: 'custom', message: 'must be >= 0', path: ['param_groups', i, 'lr'] });
    }
  });
}

const nameLength = atMost('MAX_NAME_LENGTH', MAX_NAME_LENGTH);

/** Text the service stores as such (names, keys): PostgreSQL's text cannot hold the NUL character, so neither store takes it. */
export const storedText = () =>
  z
    .string()
    .min(1)
    .max(MAX_NAME_LENGTH, nameLength)
    .refine((text) => !text.includes('\0'), { message: 'must not contain the NUL character (U+0000)' });

export const sessionInputSchema = z
  .strictObject({
    name: storedText().optional().describe('Free-form display name'),
    key: storedText()
      .optional()
      .describe('Client-chosen unique key (e.g. the run id): creating again finds the same session'),
    param_groups: paramGroups,
    scheduler: schedulerConfigRequestSchema,
    metadata: z
      .record(z.string(), z.unknown())
      .refine((metadata) => Buffer.byteLength(JSON.stringify(metadata)) <= MAX_METADATA_BYTES, {
        message: `bytes as JSON: ${atMost('MAX_METADATA_BYTES', MAX_METADATA_BYTES)}`,
      })
      .optional()
      .describe(`Free-form JSON kept with the session (at most ${MAX_METADATA_BYTES} bytes as JSON)`),
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
    // The work estimate compiles the expressions: only once every field is valid.
    if (!withinConfigLimits(body.scheduler, context) || context.issues.length > 0) return;
    const work = stepWork(body);
    if (work <= MAX_STEP_WORK) return;
    context.addIssue({
      code: 'custom',
      message:
        `one step over ${body.param_groups.length} param groups is ${work} work units; ` +
        `${atMost('MAX_STEP_WORK', MAX_STEP_WORK)}: use fewer param groups, nested schedulers or expression terms`,
      path: ['scheduler'],
    });
  })
  .meta({ id: 'NewSession' });

export type SessionInput = z.infer<typeof sessionInputSchema>;

export const sessionSchema = z
  .object({
    id: z.string(),
    project: z.string().describe('The project it belongs to: that of the key that created it (default in open mode)'),
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

const cursor = z
  .string()
  .max(MAX_CURSOR_LENGTH, atMost('MAX_CURSOR_LENGTH', MAX_CURSOR_LENGTH))
  .optional()
  .describe('next_cursor of the previous page');

/** The query string of a route that takes none: any parameter is refused by name, not ignored. */
export const noQuery = z.strictObject({});

export const listSessionsQuery = z
  .strictObject({
    limit: z.coerce.number().int().min(1).max(MAX_SESSIONS_PAGE, atMost('MAX_SESSIONS_PAGE', MAX_SESSIONS_PAGE)).default(50),
    cursor,
    key: z.string().min(1).max(MAX_NAME_LENGTH, nameLength).optional().describe('Only the session with this key: one item or none'),
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
    .record(
      z.string().min(1).max(MAX_METRIC_NAME_LENGTH, atMost('MAX_METRIC_NAME_LENGTH', MAX_METRIC_NAME_LENGTH)),
      wireNumberInput,
    )
    .refine((metrics) => Object.keys(metrics).length <= MAX_METRICS_PER_REPORT, {
      message: `named metrics: ${atMost('MAX_METRICS_PER_REPORT', MAX_METRICS_PER_REPORT)}`,
    })
    .meta({ maxProperties: MAX_METRICS_PER_REPORT })
    .optional()
    .describe(`Other named numbers to keep in the history (at most ${MAX_METRICS_PER_REPORT})`),
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
    actor: z
      .string()
      .nullable()
      .describe(
        'Who made this step (step 0: created the session): an API key id, LRSCHED_ADMIN_KEY for the environment admin token; null in open mode',
      ),
    report: reportSchema.nullable().describe('null for step 0, the creation'),
    state: stateSchema,
  })
  .meta({ id: 'HistoryEntry' });

export type HistoryEntry = z.infer<typeof historyEntrySchema>;

export const DEFAULT_HISTORY_PAGE = 100;

const historyStep = z.coerce.number().int().nonnegative();

export const historyQuery = z
  .strictObject({
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(MAX_HISTORY_PAGE, atMost('MAX_HISTORY_PAGE', MAX_HISTORY_PAGE))
      .optional()
      // Applied by the route: a default here would hide whether a limit came along with points.
      .meta({ default: DEFAULT_HISTORY_PAGE })
      .describe('Entries per page; not with points'),
    cursor: cursor.describe('next_cursor of the previous page; not with points'),
    points: z.coerce
      .number()
      .int()
      .min(4)
      .max(MAX_HISTORY_POINTS, atMost('MAX_HISTORY_POINTS', MAX_HISTORY_POINTS))
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

const previewSteps = atMost('MAX_PREVIEW_STEPS', MAX_PREVIEW_STEPS);
export type RangeTestSuggestionView = z.infer<typeof suggestionResponseSchema>;

export const previewInputSchema = z
  .strictObject({
    param_groups: paramGroups,
    scheduler: schedulerConfigRequestSchema,
    steps: z.number().int().min(0).max(MAX_PREVIEW_STEPS, previewSteps).optional().describe('Steps without reports'),
    reports: z.array(reportInputSchema).max(MAX_PREVIEW_STEPS, previewSteps).optional().describe('One report per step'),
  })
  .refine((body) => body.steps === undefined || body.reports === undefined, {
    message: 'give steps or reports, not both',
    path: ['reports'],
  })
  .superRefine((body, context) => {
    refuseNegativeLrs(body.param_groups, context);
    const steps = body.steps ?? body.reports?.length ?? 0;
    const path = [body.reports === undefined ? 'steps' : 'reports'];
    if (body.param_groups.length * steps > MAX_PREVIEW_GROUP_STEPS) {
      context.addIssue({
        code: 'custom',
        message: `param_groups × steps: ${atMost('MAX_PREVIEW_GROUP_STEPS', MAX_PREVIEW_GROUP_STEPS)}; preview fewer steps or groups`,
        path,
      });
      return;
    }
    // The work estimate compiles the expressions: only once every field is valid.
    if (!withinConfigLimits(body.scheduler, context) || context.issues.length > 0) return;
    // The creation costs a step too.
    const work = stepWork(body) * (steps + 1);
    if (work <= MAX_PREVIEW_WORK) return;
    context.addIssue({
      code: 'custom',
      message:
        `${steps} steps over ${body.param_groups.length} param groups are ${work} work units; ` +
        `${atMost('MAX_PREVIEW_WORK', MAX_PREVIEW_WORK)}: preview fewer steps or groups, or a simpler schedule`,
      path,
    });
  })
  .meta({ id: 'PreviewRequest' });

export type PreviewInput = z.infer<typeof previewInputSchema>;

export const previewSchema = z.object({ points: z.array(stateSchema) });

export type Preview = z.infer<typeof previewSchema>;
