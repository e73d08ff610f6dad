import { z } from 'zod';
import { stateSchema } from './state.js';

/** RFC 9457 problem documents: the body of every 4xx and 5xx answer. */

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export const fieldErrorSchema = z.object({
  path: z.string().describe('The offending field, dotted (e.g. scheduler.gamma); empty for the whole body'),
  message: z.string(),
});

export const problemSchema = z
  .object({
    type: z.string().describe('A URI naming the kind of problem'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    errors: z.array(fieldErrorSchema).optional(),
    state: stateSchema.optional().describe('The session state now, on a step conflict'),
    limit: z
      .string()
      .optional()
      .describe("The limit the request is beyond, as the README's limits table names it (e.g. MAX_STEP_WORK)"),
  })
  .meta({ id: 'Problem' });

export type Problem = z.infer<typeof problemSchema>;
export type FieldError = z.infer<typeof fieldErrorSchema>;

const kinds = {
  400: ['invalid-request', 'Invalid request'],
  404: ['not-found', 'Not found'],
  408: ['request-timeout', 'Request not received in time'],
  409: ['conflict', 'Conflict'],
  413: ['body-too-large', 'Request body too large'],
  415: ['unsupported-media-type', 'Unsupported media type'],
  422: ['step-refused', 'The scheduler cannot take this step'],
  431: ['headers-too-large', 'Request headers too large'],
  500: ['internal-error', 'Internal server error'],
  503: ['unavailable', 'Service unavailable'],
} as const;

export type ProblemStatus = keyof typeof kinds;

/** What a problem carries besides its status and detail; `retryAfterSeconds` becomes a Retry-After header. */
export interface ProblemExtra {
  readonly errors?: FieldError[];
  readonly state?: Problem['state'];
  readonly limit?: string;
  readonly retryAfterSeconds?: number;
}

/** Raised by the session operations (sessions/) and the API helpers; the error handler answers it. */
export class ProblemError extends Error {
  constructor(
    readonly status: ProblemStatus,
    detail: string,
    readonly extra: ProblemExtra = {},
  ) {
    super(detail);
    this.name = 'ProblemError';
  }
}

/** Beyond a limit, whatever the status (400, 413, 422), the type says so; the `limit` field names it. */
const LIMIT_EXCEEDED = ['limit-exceeded', 'A limit of the service is exceeded'] as const;

export function problem(status: number, detail: string, extra: ProblemExtra = {}): Problem {
  const { retryAfterSeconds: _header, ...fields } = extra;
  const [slug, title] = extra.limit !== undefined ? LIMIT_EXCEEDED : (kinds[status as ProblemStatus] ?? ['error', 'Error']);
  return { type: `urn:lrsched:problem:${slug}`, title, status, detail, ...fields };
}

const problemResponse = {
  description: 'Problem document (RFC 9457)',
  content: { [PROBLEM_CONTENT_TYPE]: { schema: problemSchema } },
};

/** The problem answers a route may give, for its response schema and the OpenAPI document. */
export function problemResponses<S extends ProblemStatus>(...statuses: S[]): Record<S, typeof problemResponse> {
  return Object.fromEntries(statuses.map((s) => [s, problemResponse])) as Record<S, typeof problemResponse>;
}
