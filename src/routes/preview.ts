import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { BODY_PROBLEMS, problemResponses } from '../api/problem.js';
import { noQuery, previewInputSchema, previewSchema } from '../api/sessions.js';

export const previewRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/v1/preview',
    {
      schema: {
        operationId: 'previewSchedule',
        summary: 'Compute a schedule without storing anything',
        tags: ['preview'],
        body: previewInputSchema,
        querystring: noQuery,
        response: { 200: previewSchema, ...problemResponses(...BODY_PROBLEMS, 'invalid-request', 'step-refused') },
      },
      // Points come straight from toState; re-validating 100000 of them through zod
      // would cost several times the computation. The schema still types and documents them.
      serializerCompiler: () => (data) => JSON.stringify(data),
    },
    async (request) => app.sessions.preview(request.body),
  );
};
