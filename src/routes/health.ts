import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ProblemError, problemResponses } from '../api/problem.js';
import { noQuery } from '../api/sessions.js';

export const healthRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/healthz',
    {
      schema: {
        operationId: 'getHealth',
        summary: 'Liveness and readiness: 200 while the database answers a query, 503 when it does not',
        tags: ['operations'],
        querystring: noQuery,
        response: { 200: z.object({ status: z.literal('ok') }), ...problemResponses('database-unavailable') },
      },
    },
    async (request) => {
      if (!(await app.sessions.databaseAnswers())) {
        request.log.error('health check: the database does not answer');
        throw new ProblemError('database-unavailable', 'the database does not answer');
      }
      return { status: 'ok' as const };
    },
  );
};
