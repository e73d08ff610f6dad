import Fastify, { type FastifyBaseLogger } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { MAX_SMALL_BODY_BYTES } from './limits.js';
import { CONNECTION_OPTIONS, manageConnections } from './plugins/connections.js';
import { drainResponsesOnClose } from './plugins/drain-on-close.js';
import { registerJsonBodies } from './plugins/json-body.js';
import { registerOpenApi } from './plugins/openapi.js';
import { answerFrameworkError, registerProblemHandling } from './plugins/problems.js';
import { registerSecurityHeaders } from './plugins/security-headers.js';
import { PreviewPool } from './previews/preview-pool.js';
import { healthRoutes } from './routes/health.js';
import { previewRoutes } from './routes/preview.js';
import { sessionRoutes } from './routes/sessions.js';
import { stepRoutes } from './routes/steps.js';
import { suggestionRoutes } from './routes/suggestion.js';
import { openDatabase } from './store/database.js';
import { SessionStore } from './store/session-store.js';

export interface AppOptions {
  /** SQLite file (created and migrated), or ':memory:'. */
  readonly databasePath: string;
  /** The pino logger server.ts builds; without one (tests, scripts) the app logs nothing. */
  readonly logger?: FastifyBaseLogger;
  /** A preview's running time before it is stopped (default PREVIEW_DEADLINE_MS; tests shorten it). */
  readonly previewDeadlineMs?: number;
}

/** How long closing waits for answers still being written out before it cuts every connection. */
const DRAIN_GRACE_MS = 5_000;

/**
 * server.ts's hard exit: the drain plus ample time to close the listener and the database
 * (a WAL checkpoint, milliseconds), so a stuck client never keeps the database from closing.
 */
export const SHUTDOWN_GRACE_MS = DRAIN_GRACE_MS + 5_000;

/** Builds the service: database, problem answers, OpenAPI, routes. Listening is server.ts's job. */
export async function buildApp(options: AppOptions) {
  const app = Fastify({
    loggerInstance: options.logger,
    // Routes with larger bodies (creating a session, previews) say so themselves.
    bodyLimit: MAX_SMALL_BODY_BYTES,
    return503OnClosing: true,
    frameworkErrors: answerFrameworkError,
    ...CONNECTION_OPTIONS,
  });
  manageConnections(app);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // JSON only: Fastify would otherwise parse text/plain bodies too, where 415 is the answer.
  app.removeContentTypeParser('text/plain');
  registerJsonBodies(app);

  const db = openDatabase(options.databasePath);
  app.addHook('onClose', async () => db.close());
  const store = new SessionStore(db);

  const previews = new PreviewPool({ deadlineMs: options.previewDeadlineMs });
  app.addHook('onClose', async () => previews.close());

  drainResponsesOnClose(app, DRAIN_GRACE_MS);
  await registerSecurityHeaders(app);
  registerProblemHandling(app);
  await registerOpenApi(app);
  await app.register(healthRoutes, { store });
  await app.register(sessionRoutes, { store });
  await app.register(stepRoutes, { store });
  await app.register(suggestionRoutes, { store });
  await app.register(previewRoutes, { previews });
  return app;
}
