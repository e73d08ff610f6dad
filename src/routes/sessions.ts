import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { BODY_PROBLEMS, problemResponses } from '../api/problem.js';
import {
  listSessionsQuery,
  noQuery,
  sessionIdParams,
  sessionInputSchema,
  sessionListSchema,
  sessionSchema,
  stateDictExportSchema,
} from '../api/sessions.js';
import { MAX_SESSION_BODY_BYTES } from '../limits.js';

export const sessionRoutes: FastifyPluginAsyncZod = async (app) => {
  const { sessions } = app;

  app.post(
    '/v1/sessions',
    {
      schema: {
        operationId: 'createSession',
        summary: 'Create a scheduler session (or find the one with this key)',
        tags: ['sessions'],
        body: sessionInputSchema,
        querystring: noQuery,
        response: {
          201: sessionSchema,
          200: sessionSchema,
          ...problemResponses(...BODY_PROBLEMS, 'invalid-request', 'key-conflict', 'work-limit-exceeded'),
        },
      },
      bodyLimit: MAX_SESSION_BODY_BYTES,
    },
    async (request, reply) => {
      const { session, created } = await sessions.create(request.caller, request.body);
      if (created) {
        const { id, project, scheduler } = session;
        request.log.info({ session: id, project, type: scheduler.type, actor: request.caller.actor }, 'session created');
      }
      return reply.code(created ? 201 : 200).send(session);
    },
  );

  app.get(
    '/v1/sessions',
    {
      schema: {
        operationId: 'listSessions',
        summary: "List sessions, newest first (the caller's project's; an admin's: every project's), or find the one with a key",
        tags: ['sessions'],
        querystring: listSessionsQuery,
        response: { 200: sessionListSchema, ...problemResponses('invalid-request') },
      },
    },
    async (request) => sessions.list(request.caller, request.query),
  );

  app.get(
    '/v1/sessions/:id',
    {
      schema: {
        operationId: 'getSession',
        summary: 'Read one session and its current state',
        tags: ['sessions'],
        params: sessionIdParams,
        querystring: noQuery,
        response: { 200: sessionSchema, ...problemResponses('session-not-found') },
      },
    },
    async (request) => sessions.find(request.caller, request.params.id),
  );

  app.get(
    '/v1/sessions/:id/state_dict',
    {
      schema: {
        operationId: 'getStateDict',
        summary: "PyTorch's scheduler.state_dict() for this session, and the optimizer groups it goes with",
        tags: ['sessions'],
        params: sessionIdParams,
        querystring: noQuery,
        response: { 200: stateDictExportSchema, ...problemResponses('session-not-found') },
      },
    },
    async (request) => sessions.exportStateDict(request.caller, request.params.id),
  );

  app.delete(
    '/v1/sessions/:id',
    {
      schema: {
        operationId: 'deleteSession',
        summary: 'Delete a session and its history',
        tags: ['sessions'],
        params: sessionIdParams,
        querystring: noQuery,
        // A DELETE may carry a body too, which Fastify reads (and ignores) like any other.
        response: { 204: z.null().describe('Deleted'), ...problemResponses(...BODY_PROBLEMS, 'session-not-found') },
      },
    },
    async (request, reply) => {
      await sessions.delete(request.caller, request.params.id);
      request.log.info({ session: request.params.id, actor: request.caller.actor }, 'session deleted');
      return reply.code(204).send(null);
    },
  );
};
