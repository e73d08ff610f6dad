import closeWithGrace from 'close-with-grace';
import { pino } from 'pino';
import { buildApp, SHUTDOWN_GRACE_MS } from './app.js';
import { databaseOptions, readConfig, redactedUrl } from './config.js';

/**
 * Starts listening. On SIGTERM or SIGINT (or an uncaught error) it stops accepting, finishes
 * the requests in flight, closes the database and exits; close-with-grace exits anyway, with
 * 1, once SHUTDOWN_GRACE_MS have passed, and at once on a second signal.
 */
async function main(): Promise<void> {
  const config = readConfig();
  // JSON lines on stdout; Fastify adds its request and error serializers to it. Written
  // synchronously: pino's default writes each line through libuv's thread pool, which the
  // WAL's fdatasyncs use too, and a request's line then cost the server some 8 µs of CPU
  // more than a write of its own (measured under 64 stepping jobs, 73 against 63 µs per
  // step). A line is on stdout when logged, even if the process is killed right after; a
  // stdout that stops reading (a full pipe) holds the service up rather than filling memory.
  const logger = pino({ level: config.LOG_LEVEL }, pino.destination({ dest: 1, sync: true }));
  const database = databaseOptions(config);
  const app = await buildApp({ database, logger });
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
  app.log.info({ database: database.kind === 'sqlite' ? database.path : redactedUrl(database.url) }, 'lrsched ready');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
