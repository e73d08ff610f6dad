import sseModule, { type fastifySSE } from '@fastify/sse';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { eventsHeaders, eventsQuery, sessionEventSchema, waitQuery } from '../api/live.js';
import { problemResponses } from '../api/problem.js';
import { sessionIdParams } from '../api/sessions.js';
import { stateSchema } from '../api/state.js';

/** How often an event stream sends a comment line, so proxies and clients see it is alive. */
export const HEARTBEAT_INTERVAL_MS = 15_000;

/**
 * @fastify/sse is CommonJS: under NodeNext its default import is the plugin as exported,
 * wrapped with fastify-plugin so its route hook reaches the routes below, which its
 * type declarations describe as the module namespace instead.
 */
const sse = sseModule as unknown as typeof fastifySSE;

/** What a watch or a wait may be refused with, besides its own validation. */
const LIVE_PROBLEMS = problemResponses(
  'invalid-request',
  'session-not-found',
  'too-many-live-connections',
  'live-connections-exhausted',
);

export interface LiveRouteOptions {
  readonly heartbeatMs?: number | undefined;
}

export const liveRoutes: FastifyPluginAsyncZod<LiveRouteOptions> = async (app, { heartbeatMs }) => {
  const { sessions, liveConnections } = app;
  await app.register(sse, { heartbeatInterval: heartbeatMs ?? HEARTBEAT_INTERVAL_MS });

  app.get(
    '/v1/sessions/:id/events',
    {
      // 'manual': no Accept negotiation, whose 406 would not be a problem document; the route only streams.
      sse: 'manual',
      schema: {
        operationId: 'watchSession',
        summary: 'Watch a session: one server-sent event per step, rewind and deletion',
        description:
          '`text/event-stream`: `event: step` (also `rewind`, `deleted`), `id:` the step, `data:` a SessionEvent; ' +
          'comment lines as heartbeats. `Last-Event-ID` or `after_step` resumes: every later step is sent from ' +
          'the history first. The stream ends after `deleted` and when the server closes.',
        tags: ['live'],
        params: sessionIdParams,
        querystring: eventsQuery,
        headers: eventsHeaders,
        response: {
          200: {
            description: 'The event stream; the data of each event is a SessionEvent',
            content: { 'text/event-stream': { schema: sessionEventSchema } },
          },
          ...LIVE_PROBLEMS,
        },
      },
    },
    async (request, reply) => {
      // An EventSource reconnects to the same URL with the header: the header is the newer resume point.
      const resumeAfter = request.headers['last-event-id'] ?? request.query.after_step;
      const watch = await sessions.watch(request.caller, request.params.id, resumeAfter, () => liveConnections.hold(request.ip));
      reply.sse.onClose(() => watch.close());
      reply.sse.sendHeaders();
      // The watcher learns at once that it is subscribed, before any event.
      reply.raw.flushHeaders();
      for await (const { kind, step, report, state } of watch.events) {
        if (!reply.sse.isConnected) break;
        // A string id: the plugin leaves out a falsy one, and 0 is a step.
        await reply.sse.send({ id: String(step), event: kind, data: { step, report, state } });
      }
      watch.close();
    },
  );

  app.get(
    '/v1/sessions/:id/state',
    {
      schema: {
        operationId: 'waitForStep',
        summary: "Wait for a step: the session's state once it reaches min_step, or after wait seconds",
        tags: ['live'],
        params: sessionIdParams,
        querystring: waitQuery,
        response: { 200: stateSchema, ...LIVE_PROBLEMS },
      },
    },
    async (request) => sessions.waitForStep(request.caller, request.params.id, request.query, () => liveConnections.hold(request.ip)),
  );
};
