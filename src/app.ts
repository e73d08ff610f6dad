import Fastify, { type FastifyBaseLogger } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { drainResponsesOnClose } from './plugins/drain-on-close.js';
import { registerJsonBodies } from './plugins/json-body.js';
import { registerOpenApi } from './plugins/openapi.js';
import { answerFrameworkError, registerProblemHandling } from './plugins/problems.js';
import { BUILT_UI_DIRECTORY, registerUi } from './plugins/ui.js';
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
    bodyLimit: BODY_LIMIT,
    return503OnClosing: true,
    frameworkErrors: answerFrameworkError,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // JSON only: Fastify would otherwise parse text/plain bodies too, where 415 is the answer.
  app.removeContentTypeParser('text/plain');
  registerJsonBodies(app);

  const db = openDatabase(options.databasePath);
  app.addHook('onClose', async () => db.close());
  const store = new SessionStore(db);

  drainResponsesOnClose(app, DRAIN_GRACE_MS);
  registerProblemHandling(app);
  await registerOpenApi(app);
  await app.register(healthRoutes, { store });
  await app.register(sessionRoutes, { store });
  await app.register(stepRoutes, { store });
  await app.register(suggestionRoutes, { store });
  await app.register(previewRoutes);
  await registerUi(app, options.uiDirectory ?? BUILT_UI_DIRECTORY);
  return app;
}
