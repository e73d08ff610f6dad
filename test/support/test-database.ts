import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import type { DatabaseOptions } from '../../src/store/open-store.js';
import { tempDir } from './temp-dir.js';
import { createDatabase } from './postgres-server.js';

/**
 * The database the tests of this run use: SQLite files, or PostgreSQL databases when vitest
 * runs the `postgres` project (vitest.config.ts), which runs the route suite again on
 * PostgreSQL. Either way each test app gets a fresh, empty database of its own.
 */
export const TEST_STORE: DatabaseOptions['kind'] = process.env.LRSCHED_TEST_STORE === 'postgres' ? 'postgres' : 'sqlite';

export interface TestDatabase {
  readonly options: DatabaseOptions;
  /** Removes the database (its folder, or the PostgreSQL database). */
  remove(): Promise<void>;
}

/** A fresh database of the kind this run tests. */
export function createTestDatabase(kind: DatabaseOptions['kind'] = TEST_STORE): Promise<TestDatabase> {
  return kind === 'postgres' ? createPostgresTestDatabase() : Promise.resolve(createSqliteTestDatabase());
}

export function createSqliteTestDatabase(): TestDatabase {
  const { dir, remove } = tempDir();
  return { options: { kind: 'sqlite', path: join(dir, 'nested', 'lrsched.db') }, remove: async () => remove() };
}

/** A new database on the run's PostgreSQL server (see postgres-global-setup.ts). */
export async function createPostgresTestDatabase(poolSize = 5): Promise<TestDatabase> {
  const name = `lrsched_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const { url, drop } = await createDatabase(inject('postgresAdminUrl'), name);
  return { options: { kind: 'postgres', url, poolSize }, remove: drop };
}

/**
 * What the database holds, read through a connection of the test's own, not through the
 * API: a refused request must have stored nothing, whatever a listing would show.
 */
export async function storedRows(database: DatabaseOptions): Promise<{ sessions: number; history: number }> {
  const counts = 'SELECT (SELECT count(*) FROM sessions) AS sessions, (SELECT count(*) FROM history) AS history';
  if (database.kind === 'sqlite') {
    const db = new Database(database.path, { readonly: true, fileMustExist: true });
    try {
      return db.prepare(counts).get() as { sessions: number; history: number };
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ sessions: string; history: string }>(counts);
    const [row] = rows as [{ sessions: string; history: string }];
    return { sessions: Number(row.sessions), history: Number(row.history) };
  } finally {
    await client.end();
  }
}
