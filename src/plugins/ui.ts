import fastifyStatic from '@fastify/static';
import fp from 'fastify-plugin';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProblemError } from '../api/problem.js';

/** Where `npm run build` puts the dashboard: dist/ui, two levels above src/plugins and dist/plugins alike. */
export const BUILT_UI_DIRECTORY = fileURLToPath(new URL('../../dist/ui/', import.meta.url));

export interface DashboardOptions {
  /** The folder Vite built (index.html and assets/). */
  readonly directory: string;
}

/**
 * The dashboard (ui/, bundled by Vite) as static files at /; the API stays under /v1. Only the
 * files the build wrote are routed (no wildcard), so unknown paths keep their problem+json 404.
 * Bundled assets carry a content hash in their names and are cached for good; index.html is
 * revalidated, so a new build is picked up on the next load.
 */
export const dashboard = fp<DashboardOptions>(
  async (app, { directory }) => {
    if (!existsSync(join(directory, 'index.html'))) {
      app.get('/', { schema: { hide: true } }, async () => {
        throw new ProblemError('dashboard-not-built', 'the dashboard is not built: run `npm run build` (the API under /v1 works without it)');
      });
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
  },
  { name: 'lrsched-dashboard', fastify: '5.x' },
);
