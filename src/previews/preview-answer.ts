import { validatorCompiler } from 'fastify-type-provider-zod';
import { problem, ProblemError, type Problem } from '../api/problem.js';
import { previewInputSchema, type PreviewInput } from '../api/sessions.js';
import { parseJsonBody } from '../plugins/json-body.js';
import { domainProblem, validationProblem, type ValidationIssue } from '../plugins/problems.js';
import { computePreview } from '../sessions/preview-schedule.js';
import type { RangeTestLookups } from '../sessions/range-test-references.js';

/** A refusal as a problem document: plain data, it crosses threads where an error would lose its class. */
export interface PreviewRefusal {
  readonly problem: Problem;
}

/** What a preview answers: its points as UTF-8 JSON, or a refusal. */
export type PreviewAnswer = { readonly points: Uint8Array } | PreviewRefusal;

// The route's own validator, as Fastify would have run it: the same issues, the same 400.
const validatePreview = validatorCompiler({ schema: previewInputSchema, method: 'POST', url: '/v1/preview' });

/** Parses and validates the raw body: everything the route would do before its handler. */
function previewInput(body: Uint8Array): PreviewInput | PreviewRefusal {
  const parsed = parseJsonBody(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  const result = validatePreview(parsed) as { value?: PreviewInput; error?: ValidationIssue[] };
  if (result.error) return { problem: validationProblem(result.error, 'body') };
  return result.value as PreviewInput;
}

/**
 * A whole POST /v1/preview from its raw body to its answer: parse, validate, compute every
 * point (the preview use case, resolving range-test references through `lookUp`) and write the JSON,
 * refusals as the HTTP layer words them (plugins/problems.ts). All of it is CPU work that
 * grows with the body and the steps, so it runs on a preview worker (see preview-pool.ts),
 * never on the event loop.
 */
export async function previewAnswer(body: Uint8Array, lookUp: RangeTestLookups): Promise<PreviewAnswer> {
  try {
    const input = previewInput(body);
    if ('problem' in input) return input;
    return { points: new TextEncoder().encode(JSON.stringify(await computePreview(lookUp, input))) };
  } catch (error) {
    if (error instanceof ProblemError) return { problem: problem(error.problemType, error.message, error.extras) };
    const refusal = domainProblem(error);
    if (refusal) return { problem: refusal };
    throw error;
  }
}
