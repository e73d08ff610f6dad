import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { buildApp, type AppOptions } from '../../src/app.js';
import { tempDir } from './app.js';

/** The app listening on a real socket (a free port on 127.0.0.1), on a real SQLite file. */
export async function startListeningApp(
  options: Omit<AppOptions, 'databasePath'> = {},
): Promise<{ url: string; close: () => Promise<void> }> {
  const { dir, remove } = tempDir();
  const app = await buildApp({ ...options, databasePath: join(dir, 'lrsched.db') });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      await app.close();
      remove();
    },
  };
}
