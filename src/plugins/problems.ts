import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { problem, ProblemError, PROBLEM_CONTENT_TYPE, type FieldError, type Problem } from '../api/problem.js';
import {
  atMost,
  limitNamedIn,
  MAX_PREVIEW_BODY_BYTES,
  MAX_SESSION_BODY_BYTES,
  MAX_SMALL_BODY_BYTES,
} from '../limits.js';

/** Fastify's own 4xx codes, named as problems a client can act on. */
const FASTIFY_CODES: Record<string, { status: number; detail: string }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, detail: 'send the body as application/json' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, detail: 'Content-Length does not match the body' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, detail: 'the JSON body is empty' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, detail: 'the body is not valid JSON' },
};

/** The body limits by size, so that a 413 names the one its route has. */
const BODY_LIMIT_NAMES = new Map([
  [MAX_PREVIEW_BODY_BYTES, 'MAX_PREVIEW_BODY_BYTES'],
  [MAX_SESSION_BODY_BYTES, 'MAX_SESSION_BODY_BYTES'],
  [MAX_SMALL_BODY_BYTES, 'MAX_SMALL_BODY_BYTES'],
]);

function bodyTooLarge(request: FastifyRequest): ProblemError {
  const bytes = request.routeOptions.bodyLimit ?? MAX_SMALL_BODY_BYTES;
  const limit = BODY_LIMIT_NAMES.get(bytes) ?? 'MAX_SMALL_BODY_BYTES';
  return new ProblemError(413, `the request body is too large: bytes ${atMost(limit, bytes)} for this route`, { limit });
}

function send(reply: FastifyReply, body: Problem): FastifyReply {
  return reply.code(body.status).type(PROBLEM_CONTENT_TYPE).send(body);
}

export type ValidationIssue = {
  keyword?: string;
  instancePath?: string;
  message?: string;
  params?: { keys?: unknown; issues?: unknown; errors?: unknown };
};

/** A zod issue nested in another (a record key's, a union branch's). */
type NestedIssue = { code?: string; path?: PropertyKey[]; message?: string };

/**
 * zod's issues with paths as the client wrote its request (`/scheduler/gamma` →
 * `scheduler.gamma`); an unknown key is named itself, not the object holding it.
 */
function fieldErrors(validation: readonly ValidationIssue[]): FieldError[] {
  return validation.flatMap((issue) => {
    const path = (issue.instancePath ?? '').split('/').filter(Boolean);
    const unknownKeys = issue.keyword === 'unrecognized_keys' && Array.isArray(issue.params?.keys) ? issue.params.keys : [];
    if (unknownKeys.length > 0) {
      return unknownKeys.map((key) => ({ path: [...path, String(key)].join('.'), message: 'unknown key' }));
    }
    // A record's key that fails its own schema (a metric's name): say why, not just "invalid key".
    const keyIssues = issue.keyword === 'invalid_key' && Array.isArray(issue.params?.issues) ? (issue.params.issues as NestedIssue[]) : [];
    if (keyIssues.length > 0) {
      return [{ path: path.join('.'), message: `invalid key: ${keyIssues.map((i) => i.message).join('; ')}` }];
    }
    // A number-or-list field (max_lr: 0.1, or one per group): what is wrong with the form that
    // was sent, rather than "invalid input" for not being the other form.
    const branches = issue.keyword === 'invalid_union' && Array.isArray(issue.params?.errors) ? (issue.params.errors as NestedIssue[][]) : [];
    const ofTheFormSent = branches.filter((issues) => !issues.every((i) => i.code === 'invalid_type' && i.path?.length === 0));
    if (ofTheFormSent.length === 1) {
      return (ofTheFormSent[0] as NestedIssue[]).map((i) => ({
        path: [...path, ...(i.path ?? []).map(String)].join('.'),
        message: i.message ?? 'invalid',
      }));
    }
    return [{ path: path.join('.'), message: issue.message ?? 'invalid' }];
  });
}

/**
 * The 400 for a request that fails its schema (`where`: body, querystring, params), naming
 * every offending field, and the limit where one was exceeded.
 */
export function validationProblem(validation: readonly ValidationIssue[], where: string): ProblemError {
  const errors = fieldErrors(validation);
  const detail = errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join('; ');
  const limit = errors.map((e) => limitNamedIn(e.message)).find((name) => name !== undefined);
  return new ProblemError(400, `invalid ${where}: ${detail}`, { errors, ...(limit ? { limit } : {}) });
}

/**
 * Errors Fastify raises before routing: a malformed URL, or a path parameter longer
 * than any id this service hands out.
 */
export function answerFrameworkError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    void send(reply, problem(404, 'nothing here: the id in the path is longer than any id this service hands out'));
  } else if (error.code === 'FST_ERR_BAD_URL') {
    void send(reply, problem(400, 'the URL is malformed (bad percent-encoding)'));
  } else {
    void send(reply, problem(400, error.message));
  }
}

/**
 * Every refusal becomes an RFC 9457 problem document; anything unexpected is logged
 * and answered as a bare 500, never with its internal message.
 */
export function registerProblemHandling(app: FastifyInstance): void {
  app.setNotFoundHandler((request, reply) =>
    send(reply, problem(404, `no route ${request.method} ${request.url.split('?')[0]}`)),
  );

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof ProblemError) {
      if (error.extra.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.extra.retryAfterSeconds));
      return send(reply, problem(error.status, error.message, error.extra));
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const refusal = validationProblem(error.validation as ValidationIssue[], error.validationContext ?? 'request');
      return send(reply, problem(400, refusal.message, refusal.extra));
    }
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      // Fastify asks to close the connection at once, and a client still sending its body
      // then often reads a reset instead of this answer. Without that, Node reads and drops
      // the rest of the body (for at most REQUEST_TIMEOUT_MS) and the client reads the 413;
      // after an unanswered `Expect: 100-continue` Node closes anyway, the body never sent.
      reply.removeHeader('connection');
      const refusal = bodyTooLarge(request);
      return send(reply, problem(413, refusal.message, refusal.extra));
    }
    if (isResponseSerializationError(error)) {
      request.log.error({ err: error, issues: error.cause.issues }, 'response does not match its schema');
      return send(reply, problem(500, 'the service failed to answer; the error is logged'));
    }
    const known = error.code ? FASTIFY_CODES[error.code] : undefined;
    if (known) return send(reply, problem(known.status, known.detail));
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      if (error instanceof SyntaxError) return send(reply, problem(400, `the body is not valid JSON: ${error.message}`));
      return send(reply, problem(status, error.message));
    }
    request.log.error({ err: error }, 'unhandled error');
    return send(reply, problem(500, 'the service failed to answer; the error is logged'));
  });
}
