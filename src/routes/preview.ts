import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { problemResponses } from '../api/problem.js';
import { previewInputSchema, previewSchema } from '../api/sessions.js';
import { MAX_PREVIEW_BODY_BYTES } from '../limits.js';
import type { PreviewPool } from '../previews/preview-pool.js';

export const previewRoutes: FastifyPluginAsyncZod<{ previews: PreviewPool }> = async (app, { previews }) => {
  // Parsing and validating up to 16 MiB of JSON is work too: the body stays raw bytes here
  // and a preview worker does all of it (previews/preview-answer.ts). In this plugin only.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.post(
    '/v1/preview',
    {
      schema: {
        summary: 'Compute a schedule without storing anything',
        tags: ['preview'],
        // Documents the body; the worker validates it with this very schema.
        body: previewInputSchema,
        response: { 200: previewSchema, ...problemResponses(400, 413, 422, 503) },
      },
      bodyLimit: MAX_PREVIEW_BODY_BYTES,
      validatorCompiler: () => (data) => ({ value: data }),
    },
    async (request, reply) => {
      // The raw body, whatever the schema's type says (see the content-type parser above).
      const body = (request.body as unknown as Buffer | undefined) ?? Buffer.alloc(0);
      const points = await previews.run(body);
      // The JSON of a previewSchema already: Fastify sends bytes as they are, past the serializer.
      const json = Buffer.from(points.buffer, points.byteOffset, points.byteLength);
      return reply.type('application/json').send(json as unknown as z.infer<typeof previewSchema>);
    },
  );
};
