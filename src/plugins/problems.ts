import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { KeyNotFound, UnknownProject } from '../access/errors.js';
import { problem, ProblemError, PROBLEM_CONTENT_TYPE, type FieldError, type Problem } from '../api/problem.js';

/** Fastify's own 4xx codes, named as problems a client can act on. */
const FASTIFY_CODES: Record<string, { status: number; detail: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, detail: 'request body is too large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, detail: 'send the body as application/json' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, detail: 'Content-Length does not match the body' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, detail: 'the JSON body is empty' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, detail: 'the body is not valid JSON' },
};

function send(reply: FastifyReply, body: Problem): FastifyReply {
  return reply.code(body.status).type(PROBLEM_CONTENT_TYPE).send(body);
}

type ValidationIssue = { keyword?: string; instancePath?: string; message?: string; params?: { keys?: unknown } };

/**
 * zod's issues with paths as the client wrote its request (`/scheduler/gamma` →
 * `scheduler.gamma`); an unknown key is named itself, not the object holding it.
 */
function fieldErrors(error: FastifyError): FieldError[] {
  return ((error.validation ?? []) as ValidationIssue[]).flatMap((issue) => {
    const path = (issue.instancePath ?? '').split('/').filter(Boolean);
    const unknownKeys = issue.keyword === 'unrecognized_keys' && Array.isArray(issue.params?.keys) ? issue.params.keys : [];
    if (unknownKeys.length > 0) {
      return unknownKeys.map((key) => ({ path: [...path, String(key)].join('.'), message: 'unknown key' }));
    }
    return [{ path: path.join('.'), message: issue.message ?? 'invalid' }];
  });
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
      return send(reply, problem(error.status, error.message, error.extra));
    }
    if (error instanceof UnknownProject) {
      return send(reply, problem(400, `project: ${error.message}`, { errors: [{ path: 'project', message: error.message }] }));
    }
    if (error instanceof KeyNotFound) return send(reply, problem(404, error.message));
    if (hasZodFastifySchemaValidationErrors(error)) {
      const errors = fieldErrors(error);
      const where = error.validationContext ?? 'request';
      const detail = errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join('; ');
      return send(reply, problem(400, `invalid ${where}: ${detail}`, { errors }));
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
