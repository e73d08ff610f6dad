import { join } from 'node:path';
import { afterEach } from 'vitest';
import { buildApp } from '../../src/app.js';
import type { DatabaseOptions } from '../../src/store/open-store.js';
import { tempDir } from './temp-dir.js';
import { createTestDatabase } from './test-database.js';

export { tempDir };

export type App = Awaited<ReturnType<typeof buildApp>>;

/** A maker of SQLite file paths (in a folder not created yet), each in a temporary folder removed after each test. */
export function temporaryDatabases(): () => string {
  const removals: (() => void)[] = [];
  afterEach(() => {
    for (const remove of removals.splice(0)) remove();
  });
  return () => {
    const { dir, remove } = tempDir();
    removals.push(remove);
    return join(dir, 'nested', 'lrsched.db');
  };
}

/** The real app on a fresh real database: an SQLite file in a temporary folder, or a PostgreSQL database (test-database.ts). */
export async function startTestApp(): Promise<{ app: App; database: DatabaseOptions; close: () => Promise<void> }> {
  const database = await createTestDatabase();
  const app = await buildApp({ database: database.options });
  await app.ready();
  return {
    app,
    database: database.options,
    close: async () => {
      await app.close();
      await database.remove();
    },
  };
}

/** JSON request through fastify.inject, answering status, headers and parsed body. */
export async function call(app: App, method: 'GET' | 'POST' | 'DELETE', url: string, body?: unknown) {
  const response = await app.inject({
    method,
    url,
    ...(body === undefined ? {} : { payload: body as object }),
  });
  const text = response.body;
  return {
    status: response.statusCode,
    headers: response.headers,
    body: text.length > 0 ? JSON.parse(text) : undefined,
  };
}

export const sgd = (lr: number) => ({ lr });
