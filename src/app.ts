import Fastify, { type FastifyBaseLogger } from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';
import { MAX_SMALL_BODY_BYTES } from './limits.js';
import { CONNECTION_OPTIONS, connections } from './plugins/connections.js';
import { authentication } from './plugins/authentication.js';
import { drainOnClose } from './plugins/drain-on-close.js';
import { jsonBodies } from './plugins/json-body.js';
import { jsonSchemaSerializerCompiler } from './plugins/json-serializer.js';
import { liveConnections } from './plugins/live-connections.js';
import { openApi } from './plugins/openapi.js';
import { previewsPlugin } from './plugins/previews.js';
import { OneLinePerRequest } from './plugins/request-log.js';
import { answerFrameworkError, problemHandling } from './plugins/problems.js';
import { securityHeaders } from './plugins/security-headers.js';
import { sessionsPlugin } from './plugins/sessions.js';
import { BUILT_UI_DIRECTORY, dashboard } from './plugins/ui.js';
import { healthRoutes } from './routes/health.js';
import { accessRoutes } from './routes/access.js';
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
  /** A preview's running time before it is stopped (default PREVIEW_DEADLINE_MS; tests shorten it). */
  readonly previewDeadlineMs?: number;
  /** LRSCHED_ADMIN_KEY: a token accepted with the admin role. */
  readonly adminToken?: string | undefined;
  /**
   * The address server.ts will listen on. With no key and no admin token the service runs
   * open, which buildApp refuses (UnprotectedService) unless this is a loopback address.
   * Undefined for an app that never listens (inject-only tests, scripts).
   */
  readonly host?: string | undefined;
  /** Event streams and waits: the connection budget and the heartbeat interval (tests shrink them). */
  readonly live?: { readonly limits?: LiveLimits; readonly heartbeatMs?: number };
  /** The built dashboard served at / (default: dist/ui, where `npm run build` writes it). */
  readonly uiDirectory?: string;
}

/** How long closing waits for answers still being written out before it cuts every connection. */
const DRAIN_GRACE_MS = 5_000;

/**
 * server.ts's hard exit: the drain plus ample time to close the listener and the database
 * (a WAL checkpoint, milliseconds), so a stuck client never keeps the database from closing.
 */
export const SHUTDOWN_GRACE_MS = DRAIN_GRACE_MS + 5_000;

/** Builds the service: database, problem answers, authentication, OpenAPI, routes, the dashboard. Listening is server.ts's job. */
export async function buildApp(options: AppOptions) {
  const app = Fastify({
    loggerInstance: options.logger,
    logController: new OneLinePerRequest(),
    // Routes with larger bodies (creating a session, previews) say so themselves.
    bodyLimit: MAX_SMALL_BODY_BYTES,
    // drainOnClose answers requests arriving while closing, as problem documents.
    return503OnClosing: false,
    frameworkErrors: answerFrameworkError,
    ...CONNECTION_OPTIONS,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(jsonSchemaSerializerCompiler);

  await app.register(connections);
  await app.register(securityHeaders);
  await app.register(jsonBodies);
  await app.register(problemHandling);
  // Before the drain: see liveConnections.
  await app.register(liveConnections, { limits: options.live?.limits });
  await app.register(drainOnClose, { graceMs: DRAIN_GRACE_MS });
  const store = await openStore(options.database, {
    idleConnectionFailed: (error) => app.log.warn({ err: error }, 'an idle database connection failed; the pool dropped it'),
    changeFeedFailed: (error) => app.log.warn({ err: error }, 'the change feed failed; it listens again, and watchers read again'),
  });
  try {
    await app.register(authentication, { store, adminToken: options.adminToken, host: options.host });
  } catch (error) {
    await store.close(); // no plugin owns it yet
    throw error;
  }
  await app.register(sessionsPlugin, { store });
  await app.register(previewsPlugin, { deadlineMs: options.previewDeadlineMs });
  await app.register(openApi);
  await app.register(healthRoutes);
  await app.register(accessRoutes);
  await app.register(sessionRoutes);
  await app.register(stepRoutes);
  await app.register(liveRoutes, { heartbeatMs: options.live?.heartbeatMs });
  await app.register(suggestionRoutes);
  await app.register(previewRoutes);
  await app.register(dashboard, { directory: options.uiDirectory ?? BUILT_UI_DIRECTORY });
  return app;
}
