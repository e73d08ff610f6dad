import fp from 'fastify-plugin';
import { PreviewPool } from '../previews/preview-pool.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Previews, computed on worker threads: what POST /v1/preview calls. */
    readonly previews: PreviewPool;
  }
}

export interface PreviewsOptions {
  /** A preview's running time before it is stopped (default PREVIEW_DEADLINE_MS; tests shorten it). */
  readonly deadlineMs?: number | undefined;
}

/**
 * Decorates the app with the preview worker pool, whose workers look the range tests they
 * name up through the session use cases (registered before), and stops its workers when
 * the app closes.
 */
export const previewsPlugin = fp<PreviewsOptions>(
  async (app, { deadlineMs }) => {
    const pool = new PreviewPool({ lookUpRangeTest: app.sessions.lookUpRangeTest, deadlineMs });
    app.decorate('previews', pool);
    app.addHook('onClose', async () => pool.close());
  },
  { name: 'lrsched-previews', fastify: '5.x', dependencies: ['lrsched-sessions'] },
);
