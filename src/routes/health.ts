import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ProblemError, problemResponses } from '../api/problem.js';
import type { SessionStore } from '../store/session-store.js';

export const healthRoutes: FastifyPluginAsyncZod<{ store: SessionStore }> = async (app, { store }) => {
  app.get(
    '/healthz',
    {
      schema: {
        operationId: 'getHealth',
        summary: 'Liveness and readiness: 200 while the database answers a query, 503 when it does not',
        tags: ['operations'],
        response: { 200: z.object({ status: z.literal('ok') }), ...problemResponses(503) },
      },
    },
    async (request) => {
      if (!store.isReachable()) {
        request.log.error('health check: the database does not answer');
        throw new ProblemError(503, 'the database does not answer');
      }
      return { status: 'ok' as const };
    },
  );
};
