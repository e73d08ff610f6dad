import fp from 'fastify-plugin';
import { ProblemError } from '../api/problem.js';

/**
 * Arrays and objects nested deeper than this are refused before validation: no schedule
 * needs more (a composite of composites is a few levels), and validating, storing or
 * serializing a body nested thousands deep would overflow the stack.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * The path to the first container nested deeper than MAX_JSON_DEPTH, or undefined.
 * Recursive, but never deeper than the limit itself; the path is built only on the way out.
 */
export function tooDeepAt(value: unknown, depth = 0): string[] | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if (depth === MAX_JSON_DEPTH) return [];
  for (const [key, child] of Object.entries(value)) {
    const below = tooDeepAt(child, depth + 1);
    if (below !== undefined) return [key, ...below];
  }
  return undefined;
}

/**
 * JSON bodies, and only JSON, parsed by Fastify's own parser (which refuses `__proto__`
 * poisoning), with two differences: an empty body is no body, as for a bare POST …/step,
 * and nesting is bounded.
 */
export const jsonBodies = fp(
  async (app) => {
    // JSON only: Fastify would otherwise parse text/plain bodies too, where 415 is the answer.
    app.removeContentTypeParser('text/plain');
    const parseJson = app.getDefaultJsonParser('error', 'error');
    app.removeContentTypeParser('application/json');
    // parseAs 'string': the body arrives as a string.
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      if (body === '') return done(null, undefined);
      // The default parser answers through the callback; what it returns carries nothing.
      void parseJson(request, body as string, (error, parsed) => {
        if (error) return done(error);
        const where = tooDeepAt(parsed);
        if (where === undefined) return done(null, parsed);
        const path = where.join('.');
        const message = `nested more than ${MAX_JSON_DEPTH} levels deep`;
        done(new ProblemError('invalid-request', `${path}: ${message}`, { errors: [{ path, message }] }), undefined);
      });
    });
  },
  { name: 'lrsched-json-bodies', fastify: '5.x' },
);
