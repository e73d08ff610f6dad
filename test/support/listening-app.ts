import type { AddressInfo } from 'node:net';
import { buildApp } from '../../src/app.js';
import type { DatabaseOptions } from '../../src/store/open-store.js';
import { createTestDatabase } from './test-database.js';

/**
 * The app listening on a real socket (a free port on 127.0.0.1), on a real database: a
 * fresh one of the kind this run tests (test-database.ts), or the one given, which is left
 * in place.
 */
export async function startListeningApp(given?: DatabaseOptions): Promise<{ url: string; close: () => Promise<void> }> {
  const fresh = given === undefined ? await createTestDatabase() : undefined;
  const app = await buildApp({ database: given ?? fresh!.options });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      await app.close();
      await fresh?.remove();
    },
  };
}
