import { validatorCompiler } from 'fastify-type-provider-zod';
import { ProblemError } from '../api/problem.js';
import { previewInputSchema, type PreviewInput } from '../api/sessions.js';
import { toState } from '../api/state.js';
import { parseJsonBody } from '../plugins/json-body.js';
import { validationProblem, type ValidationIssue } from '../plugins/problems.js';
import { previewSchedule } from '../schedulers/schedule.js';
import { refusingAsProblem } from '../sessions/refusals.js';

/** A refusal as plain data: it crosses threads, where a ProblemError would lose its class. */
export interface PreviewRefusal {
  readonly problem: { readonly status: ProblemError['status']; readonly detail: string; readonly extra: ProblemError['extra'] };
}

/** What a preview answers: its points as UTF-8 JSON, or a refusal. */
export type PreviewAnswer = { readonly points: Uint8Array } | PreviewRefusal;

// The route's own validator, as Fastify would have run it: the same issues, the same 400.
const validatePreview = validatorCompiler({ schema: previewInputSchema, method: 'POST', url: '/v1/preview' });

/** Parses and validates the raw body: everything the route would do before its handler. */
function previewInput(body: Uint8Array): PreviewInput {
  const parsed = parseJsonBody(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  const result = validatePreview(parsed) as { value?: PreviewInput; error?: ValidationIssue[] };
  if (result.error) throw validationProblem(result.error, 'body');
  return result.value as PreviewInput;
}

/**
 * A whole POST /v1/preview from its raw body to its answer: parse, validate, compute every
 * point and write the JSON. All of it is CPU work that grows with the body and the steps,
 * so it runs on a preview worker (see preview-pool.ts), never on the event loop.
 */
export function previewAnswer(body: Uint8Array): PreviewAnswer {
  try {
    const { param_groups, scheduler, steps, reports } = previewInput(body);
    const stepReports = reports ?? Array.from({ length: steps ?? 0 }, () => ({}));
    const views = refusingAsProblem(() => previewSchedule(scheduler, param_groups, stepReports), {
      report: ['reports'],
      bareSteps: reports === undefined,
    });
    // Point by point: no array of 100 000 State objects besides the views.
    const json = `{"points":[${views.map((view, k) => JSON.stringify(toState(k, view))).join(',')}]}`;
    return { points: new TextEncoder().encode(json) };
  } catch (error) {
    if (error instanceof ProblemError) return { problem: { status: error.status, detail: error.message, extra: error.extra } };
    throw error;
  }
}
