import type { AddressInfo } from 'node:net';
import { buildApp, type AppOptions } from '../../src/app.js';
import type { DatabaseOptions } from '../../src/store/open-store.js';
import type { App } from './app.js';
import { createTestDatabase } from './test-database.js';

export interface ListeningApp {
  readonly url: string;
  readonly database: DatabaseOptions;
  /** Closes the server as a shutdown would; the database stays for start(). */
  readonly stop: () => Promise<void>;
  /** Starts a new server on the same port and database, as a restarted service. */
  readonly start: () => Promise<void>;
  /** Stops it, and removes the database unless it was given. */
  readonly close: () => Promise<void>;
}

export interface ListeningAppOptions extends Omit<AppOptions, 'database'> {
  /** The database to serve; by default a fresh one of the kind this run tests (test-database.ts). */
  readonly database?: DatabaseOptions;
  /** Runs on every app built, before it listens (a test's hooks, say). */
  readonly prepare?: (app: App) => void;
}

/** The app listening on a real socket (a free port on 127.0.0.1), on a real database. */
export async function startListeningApp({ prepare, ...options }: ListeningAppOptions = {}): Promise<ListeningApp> {
  const fresh = options.database === undefined ? await createTestDatabase() : undefined;
  const database = options.database ?? fresh!.options;
  let app: App | undefined;
  let port = 0;
  const start = async () => {
    app = await buildApp({ ...options, database });
    prepare?.(app);
    await app.listen({ port, host: '127.0.0.1' });
    port = (app.server.address() as AddressInfo).port;
  };
  const stop = async () => {
    await app?.close();
    app = undefined;
  };
  await start();
  return {
    url: `http://127.0.0.1:${port}`,
    database,
    start,
    stop,
    close: async () => {
      await stop();
      await fresh?.remove();
    },
  };
}
