import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
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
  const [row] = await selectRows<{ sessions: number | string; history: number | string }>(
    database,
    'SELECT (SELECT count(*) FROM sessions) AS sessions, (SELECT count(*) FROM history) AS history',
  );
  return { sessions: Number(row?.sessions), history: Number(row?.history) };
}

/**
 * The rows of a SELECT, run through a connection of the test's own (read-only on SQLite):
 * what the database holds, whatever the API would show. Values come as each driver gives
 * them (PostgreSQL's bigint and numeric as text), so compare rows of one store with each other.
 */
export async function selectRows<Row = Record<string, unknown>>(database: DatabaseOptions, sql: string): Promise<Row[]> {
  if (database.kind === 'sqlite') {
    const db = new Database(database.path, { readonly: true, fileMustExist: true });
    try {
      return db.prepare(sql).all() as Row[];
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as Row[];
  } finally {
    await client.end();
  }
}

/**
 * Every row of each table, as sorted JSON: equal before and after exactly when nothing in
 * them changed. Left out: sessions.watched_until (PostgreSQL), the lease by which a replica
 * says it has watchers of a session, which watching renews: bookkeeping, not the session.
 */
export async function tableContents(database: DatabaseOptions, tables: readonly string[]): Promise<string> {
  const contents = [];
  for (const table of tables) {
    const rows = await selectRows<Record<string, unknown>>(database, `SELECT * FROM ${table}`);
    contents.push(rows.map(({ watched_until: _lease, ...row }) => JSON.stringify(row)).sort());
  }
  return JSON.stringify(contents);
}

/**
 * Everything the database keeps, as text to search: the SQLite file's bytes (once its
 * server has closed it, the WAL checkpointed), or every row of every PostgreSQL table.
 */
export async function storedText(database: DatabaseOptions): Promise<string> {
  if (database.kind === 'sqlite') return readFileSync(database.path).toString('latin1');
  const tables = await selectRows<{ name: string }>(
    database,
    "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
  );
  return tableContents(database, tables.map((t) => t.name));
}
