import { validatorCompiler, type FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { BODY_PROBLEMS, problemResponses } from '../api/problem.js';
import { noQuery, previewInputSchema, previewSchema } from '../api/sessions.js';
import { MAX_PREVIEW_BODY_BYTES } from '../limits.js';

const validateQuery = validatorCompiler({ schema: noQuery, method: 'POST', url: '/v1/preview' });

export const previewRoutes: FastifyPluginAsyncZod = async (app) => {
  // Parsing and validating up to 16 MiB of JSON is work too: the body stays raw bytes here
  // and a preview worker does all of it (previews/preview-answer.ts). In this plugin only.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.post(
    '/v1/preview',
    {
      // It stores nothing: a read key (a dashboard plotting what-ifs) may preview.
      config: { role: 'read' },
      schema: {
        operationId: 'previewSchedule',
        summary: 'Compute a schedule without storing anything',
        tags: ['preview'],
        // Documents the body; the worker validates it with this very schema.
        body: previewInputSchema,
        querystring: noQuery,
        response: {
          200: previewSchema,
          ...problemResponses(...BODY_PROBLEMS, 'invalid-request', 'step-refused', 'work-limit-exceeded', 'previews-busy'),
        },
      },
      bodyLimit: MAX_PREVIEW_BODY_BYTES,
      // The body is validated on the worker; the query string here, as on every route.
      validatorCompiler: ({ httpPart }) => (httpPart === 'body' ? (data: unknown) => ({ value: data }) : validateQuery),
    },
    async (request, reply) => {
      // The raw body, whatever the schema's type says (see the content-type parser above).
      const body = (request.body as unknown as Buffer | undefined) ?? Buffer.alloc(0);
      const points = await app.previews.run(body, request.caller);
      // The JSON of a previewSchema already: Fastify sends bytes as they are, past the serializer.
      const json = Buffer.from(points.buffer, points.byteOffset, points.byteLength);
      return reply.type('application/json').send(json as unknown as z.infer<typeof previewSchema>);
    },
  );
};
