import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { buildApp } from '../../src/app.js';
import { tempDir, type App } from './app.js';

export interface ListeningApp {
  readonly url: string;
  /** Closes the server as a shutdown would; the database stays for start(). */
  stop(): Promise<void>;
  /** Starts a new server on the same port and database, as a restarted service. */
  start(): Promise<void>;
  /** Stops it and removes the database. */
  close(): Promise<void>;
}

/**
 * The app listening on a real socket (a free port on 127.0.0.1), on a real SQLite file.
 * `prepare` runs on every app built before it listens (a test's hooks, say).
 */
export async function startListeningApp(options: { prepare?: (app: App) => void } = {}): Promise<ListeningApp> {
  const { dir, remove } = tempDir();
  let app: App | undefined;
  let port = 0;
  const start = async () => {
    app = await buildApp({ databasePath: join(dir, 'lrsched.db') });
    options.prepare?.(app);
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
    start,
    stop,
    close: async () => {
      await stop();
      remove();
    },
  };
}
