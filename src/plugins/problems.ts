import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
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

/** `body.scheduler.gamma` → `scheduler.gamma`: paths as the client wrote its request. */
function fieldErrors(error: FastifyError): FieldError[] {
  const issues = (error.validation ?? []) as { instancePath?: string; message?: string }[];
  return issues.map((issue) => ({
    path: (issue.instancePath ?? '').replace(/^\//, '').split('/').filter(Boolean).join('.'),
    message: issue.message ?? 'invalid',
  }));
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
