import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { buildApp, type AppOptions } from '../../src/app.js';
import { tempDir, type App } from './app.js';

export interface ListeningApp {
  readonly url: string;
  readonly databasePath: string;
  /** Closes the server as a shutdown would; the database stays for start(). */
  readonly stop: () => Promise<void>;
  /** Starts a new server on the same port and database, as a restarted service. */
  readonly start: () => Promise<void>;
  /** Stops it, and removes the database unless it was given. */
  readonly close: () => Promise<void>;
}

export interface ListeningAppOptions extends Omit<AppOptions, 'databasePath'> {
  /** The SQLite file to serve; by default a new one in a temporary folder. */
  readonly databasePath?: string;
  /** Runs on every app built, before it listens (a test's hooks, say). */
  readonly prepare?: (app: App) => void;
}

/** The app listening on a real socket (a free port on 127.0.0.1), on a real SQLite file. */
export async function startListeningApp({ prepare, ...options }: ListeningAppOptions = {}): Promise<ListeningApp> {
  const temp = options.databasePath === undefined ? tempDir() : undefined;
  const databasePath = options.databasePath ?? join(temp!.dir, 'lrsched.db');
  let app: App | undefined;
  let port = 0;
  const start = async () => {
    app = await buildApp({ ...options, databasePath });
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
    databasePath,
    start,
    stop,
    close: async () => {
      await stop();
      temp?.remove();
    },
  };
}
