import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { problemResponses } from '../api/problem.js';
import { noQuery, sessionIdParams, suggestionResponseSchema } from '../api/sessions.js';

export const suggestionRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/v1/sessions/:id/suggestion',
    {
      schema: {
        operationId: 'getSuggestion',
        summary: 'The lrs an LRRangeTest session suggests, by the steepest, minimum and valley rules',
        tags: ['range tests'],
        params: sessionIdParams,
        querystring: noQuery,
        response: {
          200: suggestionResponseSchema,
          ...problemResponses('session-not-found', 'not-a-range-test', 'not-enough-range-test-points'),
        },
      },
    },
    async (request) => app.sessions.suggestion(request.caller, request.params.id),
  );
};
