import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { problem, PROBLEM_CONTENT_TYPE } from '../api/problem.js';

/** Where `npm run build` puts the dashboard: dist/ui, two levels above src/plugins and dist/plugins alike. */
export const BUILT_UI_DIRECTORY = fileURLToPath(new URL('../../dist/ui/', import.meta.url));

/**
 * The dashboard (ui/, bundled by Vite) as static files at /; the API stays under /v1. Only the
 * files the build wrote are routed (no wildcard), so unknown paths keep their problem+json 404.
 * Bundled assets carry a content hash in their names and are cached for good; index.html is
 * revalidated, so a new build is picked up on the next load.
 */
export async function registerUi(app: FastifyInstance, directory: string): Promise<void> {
  if (!existsSync(join(directory, 'index.html'))) {
    app.get('/', { schema: { hide: true } }, async (_request, reply) =>
      reply
        .code(503)
        .type(PROBLEM_CONTENT_TYPE)
        .send(problem(503, 'the dashboard is not built: run `npm run build` (the API under /v1 works without it)')),
    );
    return;
  }
  await app.register(fastifyStatic, {
    root: directory,
    prefix: '/',
    wildcard: false,
    decorateReply: false,
    index: ['index.html'],
    cacheControl: false,
    setHeaders: (response, path) => {
      response.setHeader(
        'cache-control',
        path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
  });
}
