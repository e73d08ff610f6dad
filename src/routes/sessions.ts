import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { decodeCursor, encodeCursor } from '../api/cursor.js';
import { problemResponses } from '../api/problem.js';
import {
  listSessionsQuery,
  sessionIdParams,
  sessionInputSchema,
  sessionListSchema,
  sessionSchema,
  stateDictExportSchema,
  type StateDictExport,
} from '../api/sessions.js';
import { toWire } from '../api/wire-numbers.js';
import { visibleProject } from '../access/caller.js';
import { exportSchedule } from '../schedulers/schedule.js';
import { createSession } from '../sessions/create-session.js';
import { deleteSession } from '../sessions/delete-session.js';
import { resolveRangeTestReferences } from '../sessions/range-test-references.js';
import { findSession } from '../sessions/find-session.js';
import { sessionView } from '../sessions/views.js';
import type { SessionStore } from '../store/session-store.js';

export const sessionRoutes: FastifyPluginAsyncZod<{ store: SessionStore }> = async (app, { store }) => {
  const requestsWithReferences = new WeakMap<object, string>();

  app.post(
    '/v1/sessions',
    {
      schema: {
        summary: 'Create a scheduler session (or find the one with this key)',
        tags: ['sessions'],
        body: sessionInputSchema,
        response: { 201: sessionSchema, 200: sessionSchema, ...problemResponses(400, 409) },
      },
      // A group's lr or a max_lr may name a range test's suggestion; numbers replace them before validation.
      preValidation: async (request) => {
        const { body, requestedWithReferences } = resolveRangeTestReferences(store, request.caller, request.body);
        request.body = body as typeof request.body;
        if (requestedWithReferences !== null) requestsWithReferences.set(request, requestedWithReferences);
      },
    },
    async (request, reply) => {
      const requested = requestsWithReferences.get(request) ?? null;
      const { session, created } = createSession(
        store,
        request.caller,
        request.body,
        requested,
        new Date().toISOString(),
      );
      if (created) {
        const { id, project, schedule } = session;
        request.log.info({ session: id, project, type: schedule.config.type, actor: request.caller.actor }, 'session created');
      }
      return reply.code(created ? 201 : 200).send(sessionView(session));
    },
  );

  app.get(
    '/v1/sessions',
    {
      schema: {
        summary: "List sessions, newest first: the caller's project's (an admin's: every project's)",
        tags: ['sessions'],
        querystring: listSessionsQuery,
        response: { 200: sessionListSchema, ...problemResponses(400) },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      const page = store.listNewestFirst(visibleProject(request.caller), limit + 1, decodeCursor('sessions', cursor));
      const items = page.slice(0, limit);
      const last = items.at(-1);
      return {
        items: items.map(sessionView),
        next_cursor: page.length > limit && last ? encodeCursor('sessions', last.seq) : null,
      };
    },
  );

  app.get(
    '/v1/sessions/:id',
    {
      schema: {
        summary: 'Read one session and its current state',
        tags: ['sessions'],
        params: sessionIdParams,
        response: { 200: sessionSchema, ...problemResponses(404) },
      },
    },
    async (request) => sessionView(findSession(store, request.caller, request.params.id)),
  );

  app.get(
    '/v1/sessions/:id/state_dict',
    {
      schema: {
        summary: "PyTorch's scheduler.state_dict() for this session, and the optimizer groups it goes with",
        tags: ['sessions'],
        params: sessionIdParams,
        response: { 200: stateDictExportSchema, ...problemResponses(404) },
      },
    },
    async (request) => {
      const { state_dict, param_groups } = exportSchedule(
        findSession(store, request.caller, request.params.id).schedule,
      );
      return {
        state_dict: toWire(state_dict) as Record<string, unknown>,
        param_groups: toWire(param_groups) as StateDictExport['param_groups'],
      };
    },
  );

  app.delete(
    '/v1/sessions/:id',
    {
      schema: {
        summary: 'Delete a session and its history',
        tags: ['sessions'],
        params: sessionIdParams,
        response: { 204: z.null().describe('Deleted'), ...problemResponses(404) },
      },
    },
    async (request, reply) => {
      deleteSession(store, request.caller, request.params.id, new Date().toISOString());
      request.log.info({ session: request.params.id, actor: request.caller.actor }, 'session deleted');
      return reply.code(204).send(null);
    },
  );
};
