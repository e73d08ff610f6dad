import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { buildApp } from '../../src/app.js';
import { tempDir } from './app.js';

/**
 * The app listening on a real socket (a free port on 127.0.0.1), on a real SQLite file:
 * a new one in a temporary folder, or the one given.
 */
export async function startListeningApp(
  databasePath?: string,
): Promise<{ url: string; databasePath: string; close: () => Promise<void> }> {
  const temp = databasePath === undefined ? tempDir() : undefined;
  const path = databasePath ?? join(temp!.dir, 'lrsched.db');
  const app = await buildApp({ databasePath: path });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    databasePath: path,
    close: async () => {
      await app.close();
      temp?.remove();
    },
  };
}
