import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { SessionStore } from '../store/session-store.js';

export const healthRoutes: FastifyPluginAsyncZod<{ store: SessionStore }> = async (app) => {
  app.get(
    '/healthz',
    {
      schema: {
        summary: 'Liveness and readiness: 200 once the database is open and migrated',
        tags: ['operations'],
        response: { 200: z.object({ status: z.literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );
};
