import Database from 'better-sqlite3';
import { isDeepStrictEqual } from 'node:util';
import type pg from 'pg';
import { migratePostgres } from './postgres-database.js';
import { PostgresSessionStore } from './postgres-store.js';
import { MIGRATIONS_DIR } from './database.js';
import { readMigrations } from './migration-files.js';
import type { SessionReads, SessionStore, StoredSession } from './session-store.js';
import { SqliteSessionStore } from './sqlite-store.js';

/**
 * Moving an SQLite database to PostgreSQL: every session with its whole history, and the
 * projects, API keys (their digests) and audit log, copied as stored (seqs, ids, times,
 * JSON text), in one PostgreSQL transaction, then read back through both stores and
 * compared session by session and step by step, project by project and key by key.
 */

/** Rows per INSERT: PostgreSQL takes at most 65535 parameters per statement. */
const ROWS_PER_INSERT = 500;

export interface CopyReport {
  readonly sessions: number;
  readonly historyRows: number;
}

export class CopyRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CopyRefused';
  }
}

/** The SQLite file, read-only, provided every migration of this version has been applied to it. */
export function openSqliteSource(path: string): Database.Database {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  const applied = new Set(db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[]);
  const missing = readMigrations(MIGRATIONS_DIR).filter((m) => !applied.has(m.version));
  if (missing.length > 0) {
    db.close();
    throw new CopyRefused(`${path} lacks migrations ${missing.map((m) => m.name).join(', ')}: start this version of the service on it once first`);
  }
  return db;
}

type Row = Record<string, unknown>;

/** Inserts `rows` (objects with `columns`) in statements of ROWS_PER_INSERT rows. */
async function insertRows(client: pg.PoolClient, table: string, columns: readonly string[], rows: Iterable<Row>): Promise<number> {
  let count = 0;
  let batch: Row[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const values = batch.map((_, r) => `(${columns.map((_, c) => `$${r * columns.length + c + 1}`).join(', ')})`);
    await client.query(
      `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${values.join(', ')}`,
      batch.flatMap((row) => columns.map((column) => row[column])),
    );
    count += batch.length;
    batch = [];
  };
  for (const row of rows) {
    batch.push(row);
    if (batch.length === ROWS_PER_INSERT) await flush();
  }
  await flush();
  return count;
}

const SESSION_COLUMNS = [
  'seq', 'id', 'project', 'key', 'name', 'metadata', 'param_groups', 'requested_with_references', 'scheduler',
  'step', 'scheduler_state', 'groups', 'created_at', 'updated_at',
] as const;
const HISTORY_COLUMNS = ['session_seq', 'step', 'recorded_at', 'actor', 'report', 'scheduler_state', 'groups'] as const;
const PROJECT_COLUMNS = ['name', 'created_at'] as const;
const KEY_COLUMNS = ['id', 'token_sha256', 'project', 'role', 'name', 'created_at', 'revoked_at'] as const;
const AUDIT_COLUMNS = ['seq', 'at', 'actor', 'action', 'project', 'subject', 'detail'] as const;
const EXTREMES_COLUMNS = ['session_seq', 'level', 'last_step', 'series', 'min_step', 'min_value', 'max_step', 'max_value'] as const;

/**
 * Copies every session and its history from the SQLite database `source` into the
 * PostgreSQL database behind `pool` (migrated first, and refused unless it holds no
 * session yet), all in one transaction: a failed copy leaves nothing behind.
 */
export async function copyToPostgres(source: Database.Database, pool: pg.Pool): Promise<CopyReport> {
  await migratePostgres(pool);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // Sessions written meanwhile by a service already running on PostgreSQL would be mixed in: refuse instead.
    await client.query('LOCK TABLE sessions, api_keys, projects IN EXCLUSIVE MODE');
    const { rows } = await client.query<{ any: boolean }>(
      'SELECT EXISTS (SELECT 1 FROM sessions) OR EXISTS (SELECT 1 FROM api_keys) AS any',
    );
    if (rows[0]?.any) throw new CopyRefused('the PostgreSQL database holds sessions or keys already: copy into an empty one');
    // The projects come from SQLite, the `default` one with its own time.
    await client.query('DELETE FROM projects');
    const all = (table: string) => source.prepare(`SELECT * FROM ${table}`).iterate() as Iterable<Row>;
    await insertRows(client, 'projects', PROJECT_COLUMNS, all('projects'));
    await insertRows(client, 'api_keys', KEY_COLUMNS, all('api_keys'));
    await insertRows(client, 'audit_log', AUDIT_COLUMNS, all('audit_log'));
    await client.query("SELECT setval(pg_get_serial_sequence('audit_log', 'seq'), GREATEST((SELECT max(seq) FROM audit_log), 1))");
    // A session marked deleted is gone already: neither it nor what is left of its history is copied.
    const sessions = await insertRows(
      client,
      'sessions',
      SESSION_COLUMNS,
      source.prepare('SELECT * FROM sessions WHERE deleted_at IS NULL ORDER BY seq').iterate() as Iterable<Row>,
    );
    const historyRows = await insertRows(
      client,
      'history',
      HISTORY_COLUMNS,
      source
        .prepare('SELECT * FROM history WHERE session_seq IN (SELECT seq FROM sessions WHERE deleted_at IS NULL) ORDER BY session_seq, step')
        .iterate() as Iterable<Row>,
    );
    // The blocks of history extremes behind downsampled history, as they are.
    await insertRows(
      client,
      'history_extremes',
      EXTREMES_COLUMNS,
      source
        .prepare('SELECT * FROM history_extremes WHERE session_seq IN (SELECT seq FROM sessions WHERE deleted_at IS NULL)')
        .iterate() as Iterable<Row>,
    );
    // New sessions continue where SQLite's counter was, which may be past the largest seq left: a seq is never handed out twice.
    const counter = source.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'sessions'").pluck().get() as number | undefined;
    await client.query("SELECT setval(pg_get_serial_sequence('sessions', 'seq'), GREATEST((SELECT max(seq) FROM sessions), $1, 1))", [counter ?? 0]);
    await client.query('COMMIT');
    return { sessions, historyRows };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** Steps read per query while comparing histories. */
const HISTORY_PAGE = 1000;

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

/** Every session of a store, newest first, with whole histories, read page by page. */
async function* sessionsWithHistory(reads: SessionReads): AsyncGenerator<{ session: StoredSession; history: unknown[] }> {
  for await (const session of reads.newestFirst(null, Number.MAX_SAFE_INTEGER)) {
    const history: unknown[] = [];
    for (let after = -1; ; ) {
      const page = await collect(reads.historyAfter(session, after, HISTORY_PAGE));
      history.push(...page);
      if (page.length < HISTORY_PAGE) break;
      after = (page.at(-1) as { step: number }).step;
    }
    yield { session, history };
  }
}

/**
 * Reads both databases through their stores, as the service would answer from them, and
 * answers every difference (none when the copy is exact): sessions in the same order, each
 * equal field by field, its history equal step by step.
 */
export async function verifyCopy(source: Database.Database, pool: pg.Pool): Promise<string[]> {
  const from: SessionStore = new SqliteSessionStore(source);
  const to: SessionStore = new PostgresSessionStore(pool);
  return from.snapshot((sqlite) =>
    to.snapshot(async (postgres) => {
      const differences: string[] = [];
      if (!isDeepStrictEqual(await postgres.projects(), await sqlite.projects())) differences.push('the projects differ');
      if (!isDeepStrictEqual(await postgres.keys(), await sqlite.keys())) differences.push('the API keys differ');
      // Both newest first: a merge by seq tells a missing or extra session from a changed one.
      const copies = sessionsWithHistory(postgres);
      let copy = await copies.next();
      for await (const original of sessionsWithHistory(sqlite)) {
        for (; !copy.done && copy.value.session.seq > original.session.seq; copy = await copies.next()) {
          differences.push(`session ${copy.value.session.id} was not in the SQLite database`);
        }
        if (copy.done || copy.value.session.seq < original.session.seq) {
          differences.push(`session ${original.session.id} is missing`);
          continue;
        }
        if (!isDeepStrictEqual(copy.value.session, original.session)) differences.push(`session ${original.session.id} differs`);
        else if (!isDeepStrictEqual(copy.value.history, original.history)) {
          differences.push(`the history of session ${original.session.id} differs`);
        }
        copy = await copies.next();
      }
      for (; !copy.done; copy = await copies.next()) differences.push(`session ${copy.value.session.id} was not in the SQLite database`);
      return differences;
    }),
  );
}
