import fp from 'fastify-plugin';
import secureJson from 'secure-json-parse';
import { ProblemError } from '../api/problem.js';
import { atMost, MAX_JSON_DEPTH } from '../limits.js';

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
 * A JSON body as the service reads it, on the event loop or on a preview worker: parsed by
 * secure-json-parse as Fastify's own parser does (refusing `__proto__` and `constructor`
 * poisoning), except that an empty body is no body (a bare POST …/step) and nesting is
 * bounded. Throws ProblemError.
 */
export function parseJsonBody(text: string): unknown {
  if (text === '') return undefined;
  let parsed: unknown;
  try {
    parsed = secureJson.parse(text, { protoAction: 'error', constructorAction: 'error' });
  } catch {
    throw new ProblemError('invalid-json', 'the body is not valid JSON');
  }
  const where = tooDeepAt(parsed);
  if (where === undefined) return parsed;
  const path = where.join('.');
  const message = `levels of nesting: ${atMost('MAX_JSON_DEPTH', MAX_JSON_DEPTH)}`;
  throw new ProblemError('invalid-request', `${path}: ${message}`, { errors: [{ path, message }], limit: 'MAX_JSON_DEPTH' });
}

/** JSON bodies, and only JSON, read by parseJsonBody. */
export const jsonBodies = fp(
  async (app) => {
    // JSON only: Fastify would otherwise parse text/plain bodies too, where 415 is the answer.
    app.removeContentTypeParser('text/plain');
    app.removeContentTypeParser('application/json');
    // parseAs 'string': the body arrives as a string.
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
      try {
        done(null, parseJsonBody(body as string));
      } catch (error) {
        done(error as ProblemError, undefined);
      }
    });
  },
  { name: 'lrsched-json-bodies', fastify: '5.x' },
);
