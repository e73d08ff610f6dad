import { z } from 'zod';
import { PROBLEM_TYPE_NAMES, PROBLEM_TYPES, problemTypeName, problemTypeUri, type ProblemTypeName } from './problem-types.js';
import { stateSchema } from './state.js';

/** RFC 9457 problem documents: the body of every 4xx and 5xx answer. */

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export const fieldErrorSchema = z.object({
  path: z.string().describe('The offending field, dotted (e.g. scheduler.gamma); empty for the whole body'),
  message: z.string(),
});

export const problemSchema = z
  .object({
    type: z
      .enum(PROBLEM_TYPE_NAMES.map(problemTypeUri) as [string, ...string[]])
      .describe('What happened, as a stable URN to switch on (the README lists them)'),
    title: z.string().describe("The type's title, the same for every answer of that type"),
    status: z.number().int(),
    detail: z.string().describe('This occurrence, in words'),
    errors: z.array(fieldErrorSchema).optional(),
    state: stateSchema.optional().describe('The session state now, on a step or rewind conflict'),
    limit: z
      .string()
      .optional()
      .describe("The limit the request is beyond, as the README's limits table names it (e.g. MAX_STEP_WORK)"),
  })
  .meta({ id: 'Problem' });

export type Problem = z.infer<typeof problemSchema>;
export type FieldError = z.infer<typeof fieldErrorSchema>;
export type ProblemExtras = Pick<Problem, 'errors' | 'state' | 'limit'>;

export function problem(name: ProblemTypeName, detail: string, extras: ProblemExtras = {}): Problem {
  const { status, title } = PROBLEM_TYPES[name];
  return { type: problemTypeUri(name), title, status, detail, ...extras };
}

/** Raised by the HTTP layer itself (plugins, routes); use cases raise domain errors instead. */
export class ProblemError extends Error {
  constructor(
    readonly problemType: ProblemTypeName,
    detail: string,
    readonly extras: ProblemExtras = {},
  ) {
    super(detail);
    this.name = 'ProblemError';
  }

  /** A problem rendered elsewhere (on a preview worker), to be answered as it is. */
  static of(rendered: Problem): ProblemError {
    const { detail, errors, state, limit } = rendered;
    const extras = { ...(errors ? { errors } : {}), ...(state ? { state } : {}), ...(limit ? { limit } : {}) };
    return new ProblemError(problemTypeName(rendered), detail, extras);
  }
}

/** What any route taking a JSON body may answer before the route itself runs. */
export const BODY_PROBLEMS = ['invalid-json', 'body-too-large', 'unsupported-media-type'] as const satisfies ProblemTypeName[];

type StatusOf<N extends ProblemTypeName> = (typeof PROBLEM_TYPES)[N]['status'];

interface ProblemResponse {
  readonly description: string;
  readonly content: { readonly [PROBLEM_CONTENT_TYPE]: { readonly schema: typeof problemSchema } };
}

/**
 * The problem answers a route may give, by type, for its response schema and the OpenAPI
 * document: one response per status, naming the types it may carry.
 */
export function problemResponses<N extends ProblemTypeName>(...names: N[]): Record<StatusOf<N>, ProblemResponse> {
  const byStatus = new Map<number, string[]>();
  for (const name of names) {
    const status = PROBLEM_TYPES[name].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), problemTypeUri(name)]);
  }
  return Object.fromEntries(
    [...byStatus].map(([status, types]) => [
      status,
      {
        description: `Problem document (RFC 9457): ${types.join(', ')}`,
        content: { [PROBLEM_CONTENT_TYPE]: { schema: problemSchema } },
      },
    ]),
  ) as Record<StatusOf<N>, ProblemResponse>;
}
