import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { decodeCursor, encodeCursor } from '../api/cursor.js';
import { problemResponses } from '../api/problem.js';
import {
  historyPageSchema,
  historyQuery,
  rewindInputSchema,
  sessionIdParams,
  stepInputSchema,
  stepResultSchema,
} from '../api/sessions.js';
import { stateSchema } from '../api/state.js';
import { findSession } from '../sessions/find-session.js';
import { rewindSession } from '../sessions/rewind-session.js';
import { stepSession } from '../sessions/step-session.js';
import { historyEntryView } from '../sessions/views.js';
import type { SessionStore } from '../store/session-store.js';

export const stepRoutes: FastifyPluginAsyncZod<{ store: SessionStore }> = async (app, { store }) => {
  app.post(
    '/v1/sessions/:id/step',
    {
      schema: {
        summary: 'Report a finished epoch (or batch) and get the lrs to use next',
        tags: ['steps'],
        params: sessionIdParams,
        body: stepInputSchema,
        response: { 200: stepResultSchema, ...problemResponses(400, 404, 409, 422) },
      },
      // Every field is optional, so a bare POST with no body is a report of nothing.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request) => {
      const { state, replayed } = stepSession(
        store,
        request.caller,
        request.params.id,
        request.body,
        new Date().toISOString(),
      );
      return { ...state, replayed };
    },
  );

  app.post(
    '/v1/sessions/:id/rewind',
    {
      schema: {
        summary: 'Go back to the state after an earlier step, dropping the later history',
        tags: ['steps'],
        params: sessionIdParams,
        body: rewindInputSchema,
        response: { 200: stateSchema, ...problemResponses(400, 404, 409) },
      },
    },
    async (request) => {
      const state = rewindSession(
        store,
        request.caller,
        request.params.id,
        request.body.to_step,
        new Date().toISOString(),
      );
      request.log.info(
        { session: request.params.id, to_step: request.body.to_step, actor: request.caller.actor },
        'session rewound',
      );
      return state;
    },
  );

  app.get(
    '/v1/sessions/:id/history',
    {
      schema: {
        summary: 'Every step of a session, oldest first',
        tags: ['steps'],
        params: sessionIdParams,
        querystring: historyQuery,
        response: { 200: historyPageSchema, ...problemResponses(400, 404) },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      const session = findSession(store, request.caller, request.params.id);
      const listing = `history/${session.id}`;
      const after = decodeCursor(listing, cursor) ?? -1;
      const page = store.historyAfter(session, after, limit + 1);
      const items = page.slice(0, limit);
      const last = items.at(-1);
      return {
        items: items.map((entry) => historyEntryView(session, entry)),
        next_cursor: page.length > limit && last ? encodeCursor(listing, last.step) : null,
      };
    },
  );
};
