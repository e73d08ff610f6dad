import Fastify, { type FastifyBaseLogger } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { accessUseCases } from './access/use-cases.js';
import { registerAuthentication } from './plugins/authentication.js';
import { drainResponsesOnClose } from './plugins/drain-on-close.js';
import { registerJsonBodies } from './plugins/json-body.js';
import { registerOpenApi } from './plugins/openapi.js';
import { answerFrameworkError, registerProblemHandling } from './plugins/problems.js';
import { healthRoutes } from './routes/health.js';
import { accessRoutes } from './routes/access.js';
import { previewRoutes } from './routes/preview.js';
import { sessionRoutes } from './routes/sessions.js';
import { stepRoutes } from './routes/steps.js';
import { suggestionRoutes } from './routes/suggestion.js';
import { AccessStore } from './store/access-store.js';
import { AuditLog } from './store/audit-log.js';
import { openDatabase } from './store/database.js';
import { SessionStore } from './store/session-store.js';

export interface AppOptions {
  /** SQLite file (created and migrated), or ':memory:'. */
  readonly databasePath: string;
  /** The pino logger server.ts builds; without one (tests, scripts) the app logs nothing. */
  readonly logger?: FastifyBaseLogger;
  /** LRSCHED_ADMIN_KEY: a token accepted with the admin role. */
  readonly adminToken?: string | undefined;
  /**
   * The address server.ts will listen on. With no key and no admin token the service runs
   * open, which buildApp refuses (UnprotectedService) unless this is a loopback address.
   * Undefined for an app that never listens (inject-only tests, scripts).
   */
  readonly host?: string | undefined;
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

/** Builds the service: database, problem answers, OpenAPI, routes. Listening is server.ts's job. */
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
  const audit = new AuditLog(db);
  const store = new SessionStore(db, audit);
  const access = accessUseCases(new AccessStore(db, audit), options.adminToken);

  drainResponsesOnClose(app, DRAIN_GRACE_MS);
  registerProblemHandling(app);
  try {
    registerAuthentication(app, { access, host: options.host });
  } catch (error) {
    db.close();
    throw error;
  }
  await registerOpenApi(app);
  await app.register(healthRoutes, { store });
  await app.register(accessRoutes, { access });
  await app.register(sessionRoutes, { store });
  await app.register(stepRoutes, { store });
  await app.register(suggestionRoutes, { store });
  await app.register(previewRoutes);
  return app;
}
