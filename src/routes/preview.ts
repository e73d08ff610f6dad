import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { problemResponses } from '../api/problem.js';
import { previewInputSchema, previewSchema } from '../api/sessions.js';
import { toState } from '../api/state.js';
import { previewSchedule } from '../schedulers/schedule.js';
import { resolveRangeTestReferences } from '../sessions/range-test-references.js';
import { refusingAsProblem } from '../sessions/refusals.js';
import type { SessionStore } from '../store/session-store.js';

export const previewRoutes: FastifyPluginAsyncZod<{ store: SessionStore }> = async (app, { store }) => {
  app.post(
    '/v1/preview',
    {
      schema: {
        operationId: 'previewSchedule',
        summary: 'Compute a schedule without storing anything',
        tags: ['preview'],
        body: previewInputSchema,
        response: { 200: previewSchema, ...problemResponses(400, 422) },
      },
      // Points come straight from toState; re-validating 100000 of them through zod
      // would cost several times the computation. The schema still types and documents them.
      serializerCompiler: () => (data) => JSON.stringify(data),
    },
    async (request) => {
      const { steps, reports } = request.body;
      const { param_groups, scheduler } = resolveRangeTestReferences(store, request.body);
      const stepReports = reports ?? Array.from({ length: steps ?? 0 }, () => ({}));
      const views = refusingAsProblem(() => previewSchedule(scheduler, param_groups, stepReports), {
        report: ['reports'],
        bareSteps: reports === undefined,
      });
      return { points: views.map((view, k) => toState(k, view)) };
    },
  );
};
