import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { buildApp } from '../../src/app.js';
import { tempDir } from './app.js';

/**
 * The app listening on a real socket (a free port on 127.0.0.1), on a real SQLite file:
 * `databasePath` if given (the caller removes it), else one in a temporary folder.
 */
export async function startListeningApp(databasePath?: string): Promise<{ url: string; close: () => Promise<void> }> {
  const temporary = databasePath === undefined ? tempDir() : undefined;
  const app = await buildApp({ databasePath: databasePath ?? join(temporary!.dir, 'lrsched.db') });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      await app.close();
      temporary?.remove();
    },
  };
}
