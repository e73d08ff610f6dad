import closeWithGrace from 'close-with-grace';
import { buildApp, SHUTDOWN_GRACE_MS } from './app.js';
import { databaseOptions, readConfig, redactedUrl } from './config.js';
import { createLogger } from './logger.js';
import { UnprotectedService } from './plugins/authentication.js';

/**
 * Starts listening. On SIGTERM or SIGINT (or an uncaught error) it stops accepting, finishes
 * the requests in flight, closes the database and exits; close-with-grace exits anyway, with
 * 1, once SHUTDOWN_GRACE_MS have passed, and at once on a second signal.
 */
async function main(): Promise<void> {
  const config = readConfig();
  // JSON lines on stdout; Fastify adds its request and error serializers to it.
  const logger = createLogger(config.LOG_LEVEL);
  const database = databaseOptions(config);
  const where = database.kind === 'sqlite' ? database.path : redactedUrl(database.url);
  let app;
  try {
    app = await buildApp({ database, logger, adminToken: config.LRSCHED_ADMIN_KEY, host: config.HOST });
  } catch (error) {
    if (!(error instanceof UnprotectedService)) throw error;
    // Said plainly on stderr as well: whoever starts the container reads this first.
    logger.fatal({ host: config.HOST, database: where }, error.message);
    console.error(`lrsched: ${error.message}`);
    process.exit(1);
  }
  closeWithGrace(
    {
      delay: SHUTDOWN_GRACE_MS,
      logger: app.log,
      // Closing cuts every connection once the drain grace is over, and closing the database
      // then takes milliseconds: only a hang well beyond that ends here, and says so.
      onTimeout: (graceMs) =>
        app.log.fatal({ graceMs }, 'shutdown did not finish within its grace period; exiting without closing the database'),
    },
    async ({ signal, err }) => {
      if (err) app.log.error({ err }, 'uncaught error; shutting down');
      else app.log.info({ signal }, 'shutting down');
      // The drain has handed every answer to the operating system by the time close()
      // resolves, so the process.exit that follows loses none of them.
      await app.close();
      app.log.info('closed');
    },
  );
  await app.listen({ port: config.PORT, host: config.HOST });
  app.log.info({ database: where }, 'lrsched ready');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
