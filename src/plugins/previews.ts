import fp from 'fastify-plugin';
import { PreviewPool } from '../previews/preview-pool.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Previews, computed on worker threads: what POST /v1/preview calls. */
    readonly previews: PreviewPool;
  }
}

export interface PreviewsOptions {
  /** The service's database, which previews read range tests from. */
  readonly databasePath: string;
  /** A preview's running time before it is stopped (default PREVIEW_DEADLINE_MS; tests shorten it). */
  readonly deadlineMs?: number | undefined;
}

/** Decorates the app with the preview worker pool, and stops its workers when the app closes. */
export const previewsPlugin = fp<PreviewsOptions>(
  async (app, { databasePath, deadlineMs }) => {
    const pool = new PreviewPool({ databasePath, deadlineMs });
    app.decorate('previews', pool);
    app.addHook('onClose', async () => pool.close());
  },
  { name: 'lrsched-previews', fastify: '5.x' },
);
