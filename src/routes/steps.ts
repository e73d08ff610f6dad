import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { BODY_PROBLEMS, problemResponses } from '../api/problem.js';
import {
  historyEntrySchema,
  historyPageSchema,
  historyQuery,
  historyStepParams,
  noQuery,
  rewindInputSchema,
  sessionIdParams,
  stepBodySchema,
  stepResultSchema,
} from '../api/sessions.js';
import { stateSchema } from '../api/state.js';

export const stepRoutes: FastifyPluginAsyncZod = async (app) => {
  const { sessions } = app;

  app.post(
    '/v1/sessions/:id/step',
    {
      schema: {
        operationId: 'stepSession',
        summary: 'Report a finished epoch (or batch) and get the lrs to use next',
        tags: ['steps'],
        params: sessionIdParams,
        body: stepBodySchema,
        querystring: noQuery,
        response: {
          200: stepResultSchema,
          ...problemResponses(...BODY_PROBLEMS, 'invalid-request', 'session-not-found', 'step-conflict', 'step-refused'),
        },
      },
    },
    async (request) => {
      const { state, replayed } = await sessions.step(request.caller, request.params.id, request.body);
      return { ...state, replayed };
    },
  );

  app.post(
    '/v1/sessions/:id/rewind',
    {
      schema: {
        operationId: 'rewindSession',
        summary: 'Go back to the state after an earlier step, dropping the later history',
        tags: ['steps'],
        params: sessionIdParams,
        body: rewindInputSchema,
        querystring: noQuery,
        response: {
          200: stateSchema,
          ...problemResponses(...BODY_PROBLEMS, 'invalid-request', 'session-not-found', 'rewind-conflict'),
        },
      },
    },
    async (request) => {
      const { id } = request.params;
      const state = await sessions.rewind(request.caller, id, request.body.to_step);
      request.log.info({ session: id, to_step: request.body.to_step, actor: request.caller.actor }, 'session rewound');
      return state;
    },
  );

  app.get(
    '/v1/sessions/:id/history',
    {
      schema: {
        operationId: 'getHistory',
        summary: 'Every step of a session, oldest first; or, with points, a downsampled range for a chart',
        tags: ['steps'],
        params: sessionIdParams,
        querystring: historyQuery,
        response: { 200: historyPageSchema, ...problemResponses('invalid-request', 'session-not-found') },
      },
    },
    async (request) => sessions.history(request.caller, request.params.id, request.query),
  );

  app.get(
    '/v1/sessions/:id/history/:step',
    {
      schema: {
        operationId: 'getHistoryEntry',
        summary: 'One step of the history: what was reported and the state after it',
        tags: ['steps'],
        params: historyStepParams,
        querystring: noQuery,
        response: { 200: historyEntrySchema, ...problemResponses('invalid-request', 'session-not-found', 'step-not-found') },
      },
    },
    async (request) => sessions.historyEntry(request.caller, request.params.id, request.params.step),
  );
};
