import type { FastifyInstance } from 'fastify';
import { ProblemError } from '../api/problem.js';

/**
 * Arrays and objects nested deeper than this are refused before validation: no schedule
 * needs more (a composite of composites is a few levels), and validating, storing or
 * serializing a body nested thousands deep would overflow the stack.
 */
export const MAX_JSON_DEPTH = 64;

/** The dotted path of the first value nested deeper than MAX_JSON_DEPTH, or undefined. */
export function tooDeepAt(value: unknown): string | undefined {
  const pending: { value: unknown; path: string[] }[] = [{ value, path: [] }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (next.value === null || typeof next.value !== 'object') continue;
    if (next.path.length >= MAX_JSON_DEPTH) return next.path.join('.');
    for (const [key, child] of Object.entries(next.value)) pending.push({ value: child, path: [...next.path, key] });
  }
  return undefined;
}

/**
 * JSON bodies, parsed by Fastify's own parser (which refuses `__proto__` poisoning), with
 * two differences: an empty body is no body, as for a bare POST …/step, and nesting is
 * bounded.
 */
export function registerJsonBodies(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  // parseAs 'string': the body arrives as a string.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') return done(null, undefined);
    parseJson(request, body as string, (error, parsed) => {
      if (error) return done(error);
      const path = tooDeepAt(parsed);
      if (path === undefined) return done(null, parsed);
      const message = `nested more than ${MAX_JSON_DEPTH} levels deep`;
      done(new ProblemError(400, `${path}: ${message}`, { errors: [{ path, message }] }), undefined);
    });
  });
}
