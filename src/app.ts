import Fastify, { type FastifyBaseLogger } from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';
import { drainOnClose } from './plugins/drain-on-close.js';
import { jsonBodies } from './plugins/json-body.js';
import { jsonSchemaSerializerCompiler } from './plugins/json-serializer.js';
import { liveConnections } from './plugins/live-connections.js';
import { openApi } from './plugins/openapi.js';
import { OneLinePerRequest } from './plugins/request-log.js';
import { answerFrameworkError, problemHandling } from './plugins/problems.js';
import { sessionsPlugin } from './plugins/sessions.js';
import { BUILT_UI_DIRECTORY, dashboard } from './plugins/ui.js';
import { healthRoutes } from './routes/health.js';
import { liveRoutes } from './routes/live.js';
import { previewRoutes } from './routes/preview.js';
import { sessionRoutes } from './routes/sessions.js';
import { stepRoutes } from './routes/steps.js';
import { suggestionRoutes } from './routes/suggestion.js';
import { openStore, type DatabaseOptions } from './store/open-store.js';
import type { LiveLimits } from './live/connections.js';

export interface AppOptions {
  /** SQLite file (created and migrated) or ':memory:', or a PostgreSQL database (migrated). */
  readonly database: DatabaseOptions;
  /** The pino logger server.ts builds; without one (tests, scripts) the app logs nothing. */
  readonly logger?: FastifyBaseLogger;
  /** Event streams and waits: the connection budget and the heartbeat interval (tests shrink them). */
  readonly live?: { readonly limits?: LiveLimits; readonly heartbeatMs?: number };
  /** The built dashboard served at / (default: dist/ui, where `npm run build` writes it). */
  readonly uiDirectory?: string;
}

/** 100000-step previews with metrics run to a few MiB; anything far beyond is a mistake. */
export const BODY_LIMIT = 16 * 1024 * 1024;

/** How long closing waits for answers still being written out before it cuts every connection. */
const DRAIN_GRACE_MS = 5_000;

/**
 * server.ts's hard exit: the drain plus ample time to close the listener and the database
 * (a WAL checkpoint, milliseconds), so a stuck client never keeps the database from closing.
 */
export const SHUTDOWN_GRACE_MS = DRAIN_GRACE_MS + 5_000;

/** Builds the service: database, problem answers, OpenAPI, routes, the dashboard. Listening is server.ts's job. */
export async function buildApp(options: AppOptions) {
  const app = Fastify({
    loggerInstance: options.logger,
    logController: new OneLinePerRequest(),
    bodyLimit: BODY_LIMIT,
    // drainOnClose answers requests arriving while closing, as problem documents.
    return503OnClosing: false,
    frameworkErrors: answerFrameworkError,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(jsonSchemaSerializerCompiler);

  await app.register(jsonBodies);
  await app.register(problemHandling);
  // Before the drain: see liveConnections.
  await app.register(liveConnections, { limits: options.live?.limits });
  await app.register(drainOnClose, { graceMs: DRAIN_GRACE_MS });
  const store = await openStore(options.database, {
    idleConnectionFailed: (error) => app.log.warn({ err: error }, 'an idle database connection failed; the pool dropped it'),
    changeFeedFailed: (error) => app.log.warn({ err: error }, 'the change feed failed; it listens again, and watchers read again'),
  });
  await app.register(sessionsPlugin, { store });
  await app.register(openApi);
  await app.register(healthRoutes);
  await app.register(sessionRoutes);
  await app.register(stepRoutes);
  await app.register(liveRoutes, { heartbeatMs: options.live?.heartbeatMs });
  await app.register(suggestionRoutes);
  await app.register(previewRoutes);
  await app.register(dashboard, { directory: options.uiDirectory ?? BUILT_UI_DIRECTORY });
  return app;
}
