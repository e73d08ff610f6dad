import pg from 'pg';
import { fileURLToPath } from 'node:url';
import { readMigrations } from './migration-files.js';

/** PostgreSQL's own migrations, beside SQLite's: two levels above both src/store and dist/store. */
const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/postgres/', import.meta.url));

/**
 * The advisory lock that replicas starting together take to migrate one after the other
 * (a fixed number: "lrsched" in ASCII). The first applies what is pending; the others then
 * find nothing left to apply.
 */
const MIGRATION_LOCK = 0x6c727363686564;

/** How long taking a connection waits before the request fails as "database unavailable". */
const CONNECT_TIMEOUT_MS = 5_000;

const defaultParser = (oid: number) => pg.types.getTypeParser(oid, 'text') as (text: string) => unknown;
const parseTimestamp = defaultParser(pg.types.builtins.TIMESTAMPTZ) as (text: string) => Date;

/**
 * Values as the stores share them (see rows.ts): `json` as its text (parsed by the store
 * itself, which also restores NaN and infinities), bigint as a number (seqs and steps stay
 * far below 2^53), timestamptz as ISO 8601 text, as the service wrote it.
 */
const typeParsers: Partial<Record<number, (text: string) => unknown>> = {
  [pg.types.builtins.JSON]: (text) => text,
  [pg.types.builtins.INT8]: Number,
  [pg.types.builtins.TIMESTAMPTZ]: (text) => parseTimestamp(text).toISOString(),
};

export interface PoolOptions {
  /** `postgres://user:password@host:port/database` (libpq's URL form, `?host=/socket/dir` for a unix socket). */
  readonly url: string;
  /** Connections this process keeps at most. */
  readonly size: number;
  /** Told of errors on idle connections (a database restart), which the pool then drops. */
  readonly onIdleError?: ((error: Error) => void) | undefined;
}

/** A pool of connections to the database at `url`. It connects lazily: nothing fails here if the database is down. */
export function openPool({ url, size, onIdleError }: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: size,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    application_name: 'lrsched',
    types: { getTypeParser: ((oid: number) => typeParsers[oid] ?? defaultParser(oid)) as typeof pg.types.getTypeParser },
  });
  // Without a listener, an idle connection's error (the server restarting) would end the process.
  pool.on('error', (error) => onIdleError?.(error));
  return pool;
}

/**
 * Applies, in order and each in its own transaction, the migrations the database has not
 * seen, holding an advisory lock throughout, so that replicas starting together do not race.
 */
export async function migratePostgres(pool: pg.Pool, dir: string = MIGRATIONS_DIR): Promise<string[]> {
  const client = await pool.connect();
  let broken: Error | undefined;
  // Without a listener, the connection dying while checked out would end the process.
  const connectionFailed = (error: Error) => (broken = error);
  client.on('error', connectionFailed);
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version    integer     PRIMARY KEY,
        name       text        NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
      const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
      const applied = new Set(rows.map((row) => row.version));
      const pending = readMigrations(dir).filter((m) => !applied.has(m.version));
      for (const migration of pending) {
        await client.query('BEGIN');
        try {
          await client.query(migration.sql);
          await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        }
      }
      return pending.map((m) => m.name);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } catch (error) {
    // A connection that failed mid-way is not given back to the pool.
    broken = error as Error;
    throw error;
  } finally {
    client.off('error', connectionFailed);
    client.release(broken);
  }
}
