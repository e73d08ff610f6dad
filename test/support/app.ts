import { join } from 'node:path';
import { afterEach } from 'vitest';
import { buildApp } from '../../src/app.js';
import type { DatabaseOptions } from '../../src/store/open-store.js';
import { startReplicas, TEST_REPLICAS, type Replicas } from './replicas.js';
import { tempDir } from './temp-dir.js';
import { createTestDatabase } from './test-database.js';

export { tempDir };

export type App = Awaited<ReturnType<typeof buildApp>>;

/**
 * Fresh databases, and apps on them, for the tests of one file: after each test, whatever
 * it made (and whatever it passed to `afterTest`) is closed or removed, last made first.
 */
export function freshApps() {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  const afterTest = (cleanup: () => unknown) => void cleanups.push(cleanup);
  return {
    afterTest,
    /** A fresh database of the kind this run tests. */
    freshDatabase: async (): Promise<DatabaseOptions> => {
      const database = await createTestDatabase();
      afterTest(() => database.remove());
      return database.options;
    },
    /** The app on `database`, ready; LRSCHED_ADMIN_KEY is `adminToken`. */
    appOn: async (database: DatabaseOptions, adminToken?: string): Promise<App> => {
      const app = await buildApp({ database, adminToken });
      await app.ready();
      afterTest(() => app.close());
      return app;
    },
  };
}

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

/** What a route test asks of the service: an app's inject(), or the same through replicas (replicas.ts). */
export type Service = Pick<App, 'inject'> | Replicas;

/**
 * startTestApp for the route suite, which only injects requests: in the `postgres-replicas`
 * project, TEST_REPLICAS service processes on a fresh PostgreSQL database instead of one
 * app, requests spread round-robin.
 */
export async function startTestService(): Promise<{ app: Service; database: DatabaseOptions; close: () => Promise<void> }> {
  if (TEST_REPLICAS === 0) return startTestApp();
  const database = await createTestDatabase();
  const replicas = await startReplicas(database.options, TEST_REPLICAS);
  return {
    app: replicas,
    database: database.options,
    close: async () => {
      await replicas.close();
      await database.remove();
    },
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

export type Method = 'GET' | 'POST' | 'DELETE';

/** JSON request through inject(), answering status, headers and parsed body. */
export async function call(app: Service, method: Method, url: string, body?: unknown) {
  return callAs(app, undefined, method, url, body);
}

/** call() sending `Authorization: Bearer <token>` (nothing when the token is undefined). */
export async function callAs(app: Service, token: string | undefined, method: Method, url: string, body?: unknown) {
  const response = await app.inject({
    method,
    url,
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
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
