import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { problemResponses } from '../api/problem.js';
import { previewInputSchema, previewSchema } from '../api/sessions.js';
import { toState } from '../api/state.js';
import { previewSchedule } from '../schedulers/schedule.js';
import { refusingAsProblem } from '../sessions/refusals.js';

export const previewRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/v1/preview',
    {
      // It stores nothing: a read key (a dashboard plotting what-ifs) may preview.
      config: { role: 'read' },
      schema: {
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
      const { param_groups, scheduler, steps, reports } = request.body;
      const stepReports = reports ?? Array.from({ length: steps ?? 0 }, () => ({}));
      const views = refusingAsProblem(() => previewSchedule(scheduler, param_groups, stepReports), {
        report: ['reports'],
        bareSteps: reports === undefined,
      });
      return { points: views.map((view, k) => toState(k, view)) };
    },
  );
};
