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
  })
  .meta({ id: 'Problem' });

export type Problem = z.infer<typeof problemSchema>;
export type FieldError = z.infer<typeof fieldErrorSchema>;

const kinds = {
  400: ['invalid-request', 'Invalid request'],
  401: ['unauthenticated', 'Authentication required'],
  403: ['forbidden', 'Not allowed for this role'],
  404: ['not-found', 'Not found'],
  409: ['conflict', 'Conflict'],
  413: ['body-too-large', 'Request body too large'],
  415: ['unsupported-media-type', 'Unsupported media type'],
  422: ['step-refused', 'The scheduler cannot take this step'],
  500: ['internal-error', 'Internal server error'],
  503: ['unavailable', 'Service unavailable'],
} as const;

export type ProblemStatus = keyof typeof kinds;

/** Raised by the session operations (sessions/) and the API helpers; the error handler answers it. */
export class ProblemError extends Error {
  constructor(
    readonly status: ProblemStatus,
    detail: string,
    readonly extra: { errors?: FieldError[]; state?: Problem['state'] } = {},
  ) {
    super(detail);
    this.name = 'ProblemError';
  }
}

export function problem(status: number, detail: string, extra: ProblemError['extra'] = {}): Problem {
  const [slug, title] = kinds[status as ProblemStatus] ?? ['error', 'Error'];
  return { type: `urn:lrsched:problem:${slug}`, title, status, detail, ...extra };
}

const problemResponse = {
  description: 'Problem document (RFC 9457)',
  content: { [PROBLEM_CONTENT_TYPE]: { schema: problemSchema } },
};

/** The problem answers a route may give, for its response schema and the OpenAPI document. */
export function problemResponses<S extends ProblemStatus>(...statuses: S[]): Record<S, typeof problemResponse> {
  return Object.fromEntries(statuses.map((s) => [s, problemResponse])) as Record<S, typeof problemResponse>;
}
