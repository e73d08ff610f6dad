import { buildApp } from './app.js';
import { readConfig } from './config.js';

const SHUTDOWN_GRACE_MS = 10_000;

/** Starts listening, and on SIGTERM/SIGINT stops accepting, finishes in-flight requests and closes the database. */
async function main(): Promise<void> {
  const config = readConfig();
  const app = await buildApp({ databasePath: config.DATABASE_PATH, logger: { level: config.LOG_LEVEL } });
  let closing = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      if (closing) return;
      closing = true;
      app.log.info({ signal }, 'shutting down');
      // A stuck connection must not keep the process from exiting.
      setTimeout(() => process.exit(1), SHUTDOWN_GRACE_MS).unref();
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
