import { buildApp, SHUTDOWN_GRACE_MS } from './app.js';
import { readConfig } from './config.js';
import { createLogger } from './logger.js';
import { UnprotectedService } from './plugins/authentication.js';

/** Starts listening, and on SIGTERM/SIGINT stops accepting, finishes in-flight requests and closes the database. */
async function main(): Promise<void> {
  const config = readConfig();
  // JSON lines on stdout; Fastify adds its request and error serializers to it.
  const logger = createLogger(config.LOG_LEVEL);
  let app;
  try {
    app = await buildApp({
      databasePath: config.DATABASE_PATH,
      logger,
      adminToken: config.LRSCHED_ADMIN_KEY,
      host: config.HOST,
    });
  } catch (error) {
    if (!(error instanceof UnprotectedService)) throw error;
    // Said plainly on stderr as well: whoever starts the container reads this first.
    logger.fatal({ host: config.HOST, database: config.DATABASE_PATH }, error.message);
    console.error(`lrsched: ${error.message}`);
    process.exit(1);
  }
  let closing = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      if (closing) return;
      closing = true;
      app.log.info({ signal }, 'shutting down');
      // Closing cuts every connection once the drain grace is over, and closing the database
      // then takes milliseconds: only a hang well beyond that ends here, and says so.
      setTimeout(() => {
        app.log.fatal(
          { graceMs: SHUTDOWN_GRACE_MS },
          'shutdown did not finish within its grace period; exiting without closing the database',
        );
        process.exit(1);
      }, SHUTDOWN_GRACE_MS).unref();
      app.close().then(
        // No process.exit here: answers still in socket buffers get flushed first.
        () => app.log.info('closed'),
        (error: unknown) => {
          app.log.error({ err: error }, 'shutdown failed');
          process.exitCode = 1;
        },
      );
    });
  }
  await app.listen({ port: config.PORT, host: config.HOST });
  app.log.info({ database: config.DATABASE_PATH }, 'lrsched ready');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
