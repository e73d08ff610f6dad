import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { KeyNotFound, UnknownProject } from '../access/errors.js';
import { problem, ProblemError, PROBLEM_CONTENT_TYPE, type FieldError, type Problem } from '../api/problem.js';
import { PROBLEM_TYPES, problemTypeName, type ProblemTypeDefinition, type ProblemTypeName } from '../api/problem-types.js';
import { atMost, limitNamedIn, MAX_PREVIEW_BODY_BYTES, MAX_SESSION_BODY_BYTES, MAX_SMALL_BODY_BYTES } from '../limits.js';
import { InvalidConfig, InvalidReport, StepRefused, WorkLimitExceeded, type FieldPath } from '../schedulers/errors.js';
import {
  InvalidInput,
  KeyConflict,
  LimitExceeded,
  NotARangeTest,
  NotEnoughRangeTestPoints,
  RewindConflict,
  SessionNotFound,
  StepConflict,
  StepNotInHistory,
} from '../sessions/errors.js';
import { DatabaseUnavailable } from '../store/errors.js';

/** Fastify's own 4xx codes, named as problems a client can act on. */
const FASTIFY_CODES: Record<string, { type: ProblemTypeName; detail: string }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { type: 'unsupported-media-type', detail: 'send the body as application/json' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { type: 'invalid-json', detail: 'Content-Length does not match the body' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { type: 'invalid-json', detail: 'the JSON body is empty' },
  FST_ERR_CTP_INVALID_JSON_BODY: { type: 'invalid-json', detail: 'the body is not valid JSON' },
};

/** The body limits by size, so that a 413 names the one its route has. */
const BODY_LIMIT_NAMES = new Map([
  [MAX_PREVIEW_BODY_BYTES, 'MAX_PREVIEW_BODY_BYTES'],
  [MAX_SESSION_BODY_BYTES, 'MAX_SESSION_BODY_BYTES'],
  [MAX_SMALL_BODY_BYTES, 'MAX_SMALL_BODY_BYTES'],
]);

function bodyTooLarge(request: FastifyRequest): Problem {
  const bytes = request.routeOptions.bodyLimit ?? MAX_SMALL_BODY_BYTES;
  const limit = BODY_LIMIT_NAMES.get(bytes) ?? 'MAX_SMALL_BODY_BYTES';
  return problem('body-too-large', `the request body is too large: bytes ${atMost(limit, bytes)} for this route`, { limit });
}

function send(reply: FastifyReply, body: Problem): FastifyReply {
  const { retryAfterSeconds } = PROBLEM_TYPES[problemTypeName(body)] as ProblemTypeDefinition;
  if (retryAfterSeconds !== undefined) void reply.header('retry-after', String(retryAfterSeconds));
  return reply.code(body.status).type(PROBLEM_CONTENT_TYPE).send(body);
}

/** A refusal of one field: its path as the client wrote the request, why, and the limit if it names one. */
function fieldProblem(type: ProblemTypeName, path: FieldPath, message: string, limit = limitNamedIn(message)): Problem {
  const dotted = path.join('.');
  return problem(type, dotted ? `${dotted}: ${message}` : message, {
    errors: [{ path: dotted, message }],
    ...(limit ? { limit } : {}),
  });
}

/**
 * The domain's errors (the use cases' and the core's) as problems: the one place that
 * decides what each means over HTTP. Undefined for anything else.
 */
export function domainProblem(error: unknown): Problem | undefined {
  if (error instanceof SessionNotFound) return problem('session-not-found', error.message);
  if (error instanceof KeyNotFound) return problem('key-not-found', error.message);
  if (error instanceof UnknownProject) return fieldProblem('invalid-request', ['project'], error.message);
  if (error instanceof StepNotInHistory) return problem('step-not-found', error.message);
  if (error instanceof KeyConflict) {
    return problem('key-conflict', `key '${error.key}': ${error.message}`, {
      errors: [{ path: 'key', message: error.message }],
    });
  }
  if (error instanceof StepConflict) return problem('step-conflict', error.message, { state: error.state });
  if (error instanceof RewindConflict) return problem('rewind-conflict', error.message, { state: error.state });
  if (error instanceof NotARangeTest) return problem('not-a-range-test', error.message);
  if (error instanceof NotEnoughRangeTestPoints) return problem('not-enough-range-test-points', error.message);
  if (error instanceof InvalidInput || error instanceof InvalidConfig || error instanceof InvalidReport) {
    return fieldProblem('invalid-request', error.path, error.message);
  }
  if (error instanceof WorkLimitExceeded || error instanceof LimitExceeded) {
    return fieldProblem('work-limit-exceeded', error.path, error.message, error.limit);
  }
  if (error instanceof StepRefused) {
    // The message says what went wrong with the step; the field, when there is one, is to blame.
    const errors = error.field.length > 0 ? [{ path: error.field.join('.'), message: error.message }] : undefined;
    return problem('step-refused', error.message, errors ? { errors } : {});
  }
  return undefined;
}

/** A zod issue as fastify-type-provider-zod hands it over: `params` holds the rest of the issue. */
export type ValidationIssue = { keyword?: string; instancePath?: string; message?: string; params?: object };

/** A zod issue; inside a union's branch, its path is relative to the union. */
type ZodIssue = { code?: string; path: PropertyKey[]; message?: string; keys?: unknown; errors?: unknown; issues?: unknown };

const branchesOf = (issue: ZodIssue): ZodIssue[][] =>
  issue.code === 'invalid_union' && Array.isArray(issue.errors) ? (issue.errors as ZodIssue[][]) : [];

/** Whether a union's branch failed on the value's type alone (in nested unions too): it is not what was meant. */
function failsOnType(issues: readonly ZodIssue[]): boolean {
  return issues.every(
    (issue) => issue.path.length === 0 && (issue.code === 'invalid_type' || (branchesOf(issue).length > 0 && branchesOf(issue).every(failsOnType))),
  );
}

/** How far into the value a union's branch got: the longest path of its issues, into nested unions too. */
function depth(issues: readonly ZodIssue[]): number {
  return Math.max(...issues.map((issue) => issue.path.length + Math.max(0, ...branchesOf(issue).map(depth))));
}

/**
 * Field errors with paths as the client wrote its request (`scheduler.gamma`); an unknown
 * key is named itself, not the object holding it. zod's issue when no branch of a union
 * fits says only that; the branch that got furthest into the value is the one the client
 * meant (an object with `from_range_test` meant the reference, not a number), so its issues
 * name the field. When every branch failed on the value itself, the union's own message
 * says what it takes.
 */
function issueErrors(at: readonly string[], issue: ZodIssue, unknownKeyMessage: string): FieldError[] {
  const path = [...at, ...issue.path.map(String)];
  const branches = branchesOf(issue);
  if (branches.length > 0) {
    const deepest = Math.max(...branches.map(depth));
    // Every branch failing on the value itself, the one whose type it has (a list, too long) says why.
    const ofItsType = branches.filter((branch) => !failsOnType(branch));
    const meant = deepest > 0 ? branches.find((branch) => depth(branch) === deepest) : ofItsType.length === 1 ? ofItsType[0] : undefined;
    if (meant) return meant.flatMap((branchIssue) => issueErrors(path, branchIssue, unknownKeyMessage));
  }
  // A record's key that fails its own schema (a metric's name): say why, not just "invalid key".
  const keyIssues = issue.code === 'invalid_key' && Array.isArray(issue.issues) ? (issue.issues as ZodIssue[]) : [];
  if (keyIssues.length > 0) return [{ path: path.join('.'), message: `invalid key: ${keyIssues.map((i) => i.message).join('; ')}` }];
  const unknownKeys = issue.code === 'unrecognized_keys' && Array.isArray(issue.keys) ? issue.keys : [];
  if (unknownKeys.length > 0) {
    return unknownKeys.map((key) => ({ path: [...path, String(key)].join('.'), message: unknownKeyMessage }));
  }
  return [{ path: path.join('.'), message: issue.message ?? 'invalid' }];
}

function fieldErrors(validation: readonly ValidationIssue[], where: string): FieldError[] {
  const unknownKeyMessage = where === 'querystring' ? 'unknown query parameter' : 'unknown key';
  return validation.flatMap(({ keyword, instancePath, message, params }) =>
    issueErrors([], { ...params, code: keyword, path: (instancePath ?? '').split('/').filter(Boolean), message }, unknownKeyMessage),
  );
}

/**
 * The answer to a request that fails its schema (`where`: body, querystring, params),
 * naming every offending field, and the limit where one was exceeded.
 */
export function validationProblem(validation: readonly ValidationIssue[], where: string): Problem {
  const errors = fieldErrors(validation, where);
  const detail = errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join('; ');
  const limit = errors.map((e) => limitNamedIn(e.message)).find((name) => name !== undefined);
  return problem('invalid-request', `invalid ${where}: ${detail}`, { errors, ...(limit ? { limit } : {}) });
}

/**
 * Errors Fastify raises before routing: a malformed URL, or a path parameter longer
 * than any id this service hands out.
 */
export function answerFrameworkError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    void send(reply, problem('session-not-found', 'nothing here: the id in the path is longer than any id this service hands out'));
  } else if (error.code === 'FST_ERR_BAD_URL') {
    void send(reply, problem('invalid-request', 'the URL is malformed (bad percent-encoding)'));
  } else {
    void send(reply, problem('invalid-request', error.message));
  }
}

/**
 * Every refusal becomes an RFC 9457 problem document; anything unexpected is logged
 * and answered as a bare 500, never with its internal message.
 */
export const problemHandling = fp(
  async (app) => {
    app.setNotFoundHandler((request, reply) =>
      send(reply, problem('route-not-found', `no route ${request.method} ${request.url.split('?')[0]}`)),
    );

    app.setErrorHandler((error: FastifyError, request, reply) => {
      if (error instanceof ProblemError) return send(reply, problem(error.problemType, error.message, error.extras));
      const refusal = domainProblem(error);
      if (refusal) return send(reply, refusal);
      if (error instanceof DatabaseUnavailable) {
        request.log.warn({ err: error.cause }, 'the database did not answer');
        return send(reply, problem('database-unavailable', error.message));
      }
      if (hasZodFastifySchemaValidationErrors(error)) {
        return send(reply, validationProblem(error.validation, error.validationContext ?? 'request'));
      }
      if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        // Fastify asks to close the connection at once, and a client still sending its body
        // then often reads a reset instead of this answer. Without that, Node reads and drops
        // the rest of the body (for at most REQUEST_TIMEOUT_MS) and the client reads the 413;
        // after an unanswered `Expect: 100-continue` Node closes anyway, the body never sent.
        reply.removeHeader('connection');
        return send(reply, bodyTooLarge(request));
      }
      const known = error.code ? FASTIFY_CODES[error.code] : undefined;
      if (known) return send(reply, problem(known.type, known.detail));
      if (error instanceof SyntaxError) return send(reply, problem('invalid-json', `the body is not valid JSON: ${error.message}`));
      // Other client errors of Fastify and its plugins (a static file of /docs not found, a
      // bad Range header): said as they are, without a type of their own.
      const status = error.statusCode ?? 500;
      if (status === 404) return send(reply, problem('route-not-found', error.message));
      if (status >= 400 && status < 500) return send(reply, problem('invalid-request', error.message));
      request.log.error({ err: error }, 'unhandled error');
      return send(reply, problem('internal-error', 'the service failed to answer; the error is logged'));
    });
  },
  { name: 'lrsched-problems', fastify: '5.x' },
);
