import type { AddressInfo } from 'node:net';
import { buildApp } from '../../src/app.js';
import { createTestDatabase } from './test-database.js';

/** The app listening on a real socket (a free port on 127.0.0.1), on a fresh real database (test-database.ts). */
export async function startListeningApp(): Promise<{ url: string; close: () => Promise<void> }> {
  const database = await createTestDatabase();
  const app = await buildApp({ database: database.options });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      await app.close();
      await database.remove();
    },
  };
}
