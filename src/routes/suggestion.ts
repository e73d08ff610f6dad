import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { problemResponses } from '../api/problem.js';
import { sessionIdParams, suggestionResponseSchema } from '../api/sessions.js';
import { toWire, type WireNumber } from '../api/wire-numbers.js';
import type { Suggestion } from '../range-test/suggestions.js';
import type { RangeTestState } from '../schedulers/lr-range-test.js';
import { suggestFromRangeTest } from '../sessions/range-test-suggestion.js';
import type { SessionStore } from '../store/session-store.js';

export const suggestionRoutes: FastifyPluginAsyncZod<{ store: SessionStore }> = async (app, { store }) => {
  app.get(
    '/v1/sessions/:id/suggestion',
    {
      schema: {
        summary: 'The lrs an LRRangeTest session suggests, by the steepest, minimum and valley rules',
        tags: ['range tests'],
        params: sessionIdParams,
        response: { 200: suggestionResponseSchema, ...problemResponses(404, 409) },
      },
    },
    async (request) => {
      const { suggestions, points, session } = suggestFromRangeTest(store, request.caller, request.params.id);
      const state = session.schedule.state as RangeTestState;
      const wire = (n: number) => toWire(n) as WireNumber;
      const pick = ({ lr, lrs, step }: Suggestion) => ({ lr: wire(lr), lrs: lrs.map(wire), step });
      return {
        steepest: pick(suggestions.steepest),
        minimum: pick(suggestions.minimum),
        valley: pick(suggestions.valley),
        finished: state.finished,
        finish_reason: state.finish_reason,
        points: points.map((p) => ({
          step: p.step,
          lr: wire(p.lrs[0] as number),
          lrs: p.lrs.map(wire),
          loss: wire(p.loss),
          smoothed_loss: wire(p.smoothed_loss),
        })),
      };
    },
  );
};
