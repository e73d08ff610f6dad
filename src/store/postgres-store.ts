import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Schedule } from '../schedulers/schedule.js';
import type { SessionChange } from '../sessions/session-changes.js';
import { DatabaseUnavailable } from './errors.js';
import {
  blockCandidates,
  blockSize,
  closeBlocksEndingAt,
  STORED_LEVEL_LIST,
  type BlockRow,
  type BlockRun,
  type Candidate,
  type ExtremesTable,
  type SeriesExtremes,
} from './history-extremes.js';
import { CHANGES_CHANNEL, MAX_NOTICE_BYTES, notifyOnCommit, PostgresChangeFeed } from './postgres-change-feed.js';
import { encode, toHistoryEntry, toSession, type HistoryRow, type SessionRow } from './rows.js';
import type {
  ChangeListener,
  NewSession,
  SessionReads,
  SessionStore,
  SessionWrites,
  StoredHistoryEntry,
  StoredReport,
  StoredSession,
} from './session-store.js';

/**
 * Every statement, named: node-postgres prepares a named statement once per connection and
 * then sends only its name and values.
 */
const SQL = {
  byId: 'SELECT * FROM sessions WHERE id = $1 AND deleted_at IS NULL',
  // A session deleted while this waited for its lock is not found: the row lock re-reads the row.
  holdById: 'SELECT * FROM sessions WHERE id = $1 AND deleted_at IS NULL FOR UPDATE',
  byKey: 'SELECT * FROM sessions WHERE key = $1 AND deleted_at IS NULL',
  newestFirst: 'SELECT * FROM sessions WHERE seq < $1 AND deleted_at IS NULL ORDER BY seq DESC LIMIT $2',
  // A key another transaction took meanwhile inserts nothing (and waits for that one to end).
  insertSession: `
    INSERT INTO sessions (id, key, name, metadata, param_groups, requested_with_references, scheduler,
                          step, scheduler_state, groups, created_at, updated_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9, $10, $10)
    ON CONFLICT (key) DO NOTHING
    RETURNING *`,
  insertHistory: `
    INSERT INTO history (session_seq, step, recorded_at, report, scheduler_state, groups)
    VALUES ($1, $2, $3, $4, $5, $6)`,
  // The key goes with the mark: a new session may take it at once. The update waits for a step holding the row.
  markDeleted: 'UPDATE sessions SET deleted_at = $1, key = NULL WHERE id = $2 AND deleted_at IS NULL',
  oldestDeleted: 'SELECT seq FROM sessions WHERE deleted_at IS NOT NULL ORDER BY seq LIMIT 1',
  deleteHistoryChunk: `
    DELETE FROM history
    WHERE session_seq = $1
      AND step IN (SELECT step FROM history WHERE session_seq = $1 ORDER BY step DESC LIMIT $2)`,
  purgeDeleted: 'DELETE FROM sessions WHERE seq = $1 AND deleted_at IS NOT NULL',
  // Whoever stores a large change prunes what every replica has long read.
  storeChange: `
    WITH pruned AS (DELETE FROM change_notices WHERE at < now() - interval '10 minutes')
    INSERT INTO change_notices (change) VALUES ($1) RETURNING id`,
  storedChange: 'SELECT change FROM change_notices WHERE id = $1',
  moveTo: 'UPDATE sessions SET step = $1, scheduler_state = $2, groups = $3, updated_at = $4 WHERE seq = $5',
  historyAt: 'SELECT * FROM history WHERE session_seq = $1 AND step = $2',
  historyAfter: 'SELECT * FROM history WHERE session_seq = $1 AND step > $2 ORDER BY step LIMIT $3',
  historyAtSteps: 'SELECT * FROM history WHERE session_seq = $1 AND step = ANY ($2::bigint[]) ORDER BY step',
  insertExtremes: `
    INSERT INTO history_extremes (session_seq, level, last_step, series, min_step, min_value, max_step, max_value)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
  dropExtremesAfter: `DELETE FROM history_extremes WHERE session_seq = $1 AND level IN (${STORED_LEVEL_LIST}) AND last_step > $2`,
  // NaN is NULL in the view: never an extreme.
  points: `
    SELECT step, series, value FROM history_points
    WHERE session_seq = $1 AND step BETWEEN $2 AND $3 AND value IS NOT NULL`,
  blocks: `
    SELECT series, min_step, min_value, max_step, max_value FROM history_extremes
    WHERE session_seq = $1 AND level = $2 AND last_step BETWEEN $3 AND $4`,
  deleteExtremesChunk: `
    DELETE FROM history_extremes
    WHERE session_seq = $1
      AND (level, last_step, series) IN (
        SELECT level, last_step, series FROM history_extremes WHERE session_seq = $1 LIMIT $2)`,
  dropHistoryAfter: 'DELETE FROM history WHERE session_seq = $1 AND step > $2',
} as const;

type StatementName = keyof typeof SQL;

/**
 * Rows a lazy listing fetches per query: a page that stops early (at its byte budget) has
 * read at most this many rows more than it shows.
 */
const ROWS_PER_FETCH = 64;

/** PostgreSQL's text cannot hold NUL (a query with one is refused): no session has such an id or key. */
const cannotBeStored = (text: string) => text.includes('\0');

/** The store's calls inside one transaction, on the connection that transaction holds. */
class PostgresTransaction implements SessionWrites, ExtremesTable {
  constructor(private readonly client: pg.PoolClient) {}

  async historyAtSteps(session: StoredSession, steps: readonly number[]): Promise<StoredHistoryEntry[]> {
    return (await this.rows<HistoryRow>('historyAtSteps', [session.seq, steps])).map(toHistoryEntry);
  }

  extremeCandidates(session: StoredSession, run: BlockRun): Promise<Candidate[]> {
    return this.candidates(session.seq, run);
  }

  async candidates(seq: number, run: BlockRun): Promise<Candidate[]> {
    if (run.level === 0) return this.rows<Candidate & pg.QueryResultRow>('points', [seq, run.first, run.last]);
    // A block is keyed by its last step.
    const size = blockSize(run.level);
    return blockCandidates(await this.rows<BlockRow & pg.QueryResultRow>('blocks', [seq, run.level, run.first + size - 1, run.last]));
  }

  async insertBlock(seq: number, level: number, lastStep: number, series: string, { min, max }: SeriesExtremes): Promise<void> {
    await this.rows('insertExtremes', [seq, level, lastStep, series, min.step, min.value, max.step, max.value]);
  }

  deleteExtremesChunk(seq: number, rows: number): Promise<number> {
    return this.changed('deleteExtremesChunk', [seq, rows]);
  }

  private async rows<Row extends pg.QueryResultRow>(name: StatementName, values: unknown[]): Promise<Row[]> {
    return (await this.client.query<Row>({ name, text: SQL[name], values })).rows;
  }

  private async session(name: 'byId' | 'holdById' | 'byKey', value: string): Promise<StoredSession | undefined> {
    if (cannotBeStored(value)) return undefined;
    const [row] = await this.rows<SessionRow>(name, [value]);
    return row && toSession(row);
  }

  findById(id: string): Promise<StoredSession | undefined> {
    return this.session('byId', id);
  }

  /** SELECT … FOR UPDATE: the row lock serialises the steps, rewinds and deletes of one session across replicas. */
  holdById(id: string): Promise<StoredSession | undefined> {
    return this.session('holdById', id);
  }

  findByKey(key: string): Promise<StoredSession | undefined> {
    return this.session('byKey', key);
  }

  async *newestFirst(limit: number, beforeSeq: number = Number.MAX_SAFE_INTEGER): AsyncGenerator<StoredSession> {
    yield* this.inFetches(limit, beforeSeq, async (below, count) => {
      const rows = await this.rows<SessionRow>('newestFirst', [below, count]);
      return rows.map((row) => ({ item: toSession(row), position: row.seq }));
    });
  }

  async historyAt(session: StoredSession, step: number): Promise<StoredHistoryEntry | undefined> {
    const [row] = await this.rows<HistoryRow>('historyAt', [session.seq, step]);
    return row && toHistoryEntry(row);
  }

  async *historyAfter(session: StoredSession, afterStep: number, limit: number): AsyncGenerator<StoredHistoryEntry> {
    yield* this.inFetches(limit, afterStep, async (after, count) => {
      const rows = await this.rows<HistoryRow>('historyAfter', [session.seq, after, count]);
      return rows.map((row) => ({ item: toHistoryEntry(row), position: row.step }));
    });
  }

  /** Up to `limit` items of a listing, fetched ROWS_PER_FETCH at a time, each fetch going on from the last item's position. */
  private async *inFetches<Item>(
    limit: number,
    from: number,
    fetch: (from: number, count: number) => Promise<{ item: Item; position: number }[]>,
  ): AsyncGenerator<Item> {
    let position = from;
    for (let left = limit; left > 0; ) {
      const count = Math.min(left, ROWS_PER_FETCH);
      const fetched = await fetch(position, count);
      for (const { item, position: at } of fetched) {
        yield item;
        position = at;
      }
      if (fetched.length < count) return;
      left -= count;
    }
  }

  async insert(session: NewSession): Promise<StoredSession | undefined> {
    const { schedule } = session;
    const [row] = await this.rows<SessionRow>('insertSession', [
      session.id,
      session.key,
      session.name,
      JSON.stringify(session.metadata),
      JSON.stringify(session.param_groups),
      session.requested_with_references,
      JSON.stringify(schedule.config),
      encode(schedule.state),
      encode(schedule.groups),
      session.at,
    ]);
    if (!row) return undefined;
    await this.rows('insertHistory', [row.seq, 0, session.at, null, encode(schedule.state), encode(schedule.groups)]);
    return toSession(row);
  }

  async markDeleted(id: string, at: string): Promise<boolean> {
    if (cannotBeStored(id)) return false;
    return (await this.changed('markDeleted', [at, id])) > 0;
  }

  async oldestDeleted(): Promise<number | undefined> {
    const [row] = await this.rows<{ seq: number }>('oldestDeleted', []);
    return row?.seq;
  }

  deleteHistoryChunk(seq: number, rows: number): Promise<number> {
    return this.changed('deleteHistoryChunk', [seq, rows]);
  }

  async purgeDeleted(seq: number): Promise<void> {
    await this.changed('purgeDeleted', [seq]);
  }

  /** Runs a change, answering how many rows it changed. */
  private async changed(name: StatementName, values: unknown[]): Promise<number> {
    return (await this.client.query({ name, text: SQL[name], values })).rowCount ?? 0;
  }

  async appendStep(session: StoredSession, schedule: Schedule, report: StoredReport, at: string): Promise<void> {
    const step = session.step + 1;
    const state = encode(schedule.state);
    const groups = encode(schedule.groups);
    await this.rows('moveTo', [step, state, groups, at, session.seq]);
    await this.rows('insertHistory', [session.seq, step, at, encode(report), state, groups]);
    await closeBlocksEndingAt(this, session.seq, step);
  }

  async rewindTo(session: StoredSession, entry: StoredHistoryEntry, at: string): Promise<void> {
    await this.rows('dropHistoryAfter', [session.seq, entry.step]);
    await this.rows('dropExtremesAfter', [session.seq, entry.step]);
    await this.rows('moveTo', [entry.step, encode(entry.state), encode(entry.groups), at, session.seq]);
  }

  /** NOTIFY carries the change itself, or, when it is too large for NOTIFY, the id of a change_notices row. */
  async announce(change: SessionChange): Promise<void> {
    const inline: ChangeNotice = { change };
    if (Buffer.byteLength(JSON.stringify(inline)) <= MAX_NOTICE_BYTES) return notifyOnCommit(this.client, inline);
    const [row] = await this.rows<{ id: number }>('storeChange', [JSON.stringify(change)]);
    await notifyOnCommit(this.client, { stored: (row as { id: number }).id } satisfies ChangeNotice);
  }
}

/** SQLSTATEs that mean the server is gone or going: connection exceptions (class 08), shutting down, too many connections. */
const UNAVAILABLE_STATES = /^(08...|57P0[1-3]|53300)$/;

/** Node's codes for a socket that could not connect or broke. */
const SOCKET_FAILURES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOENT', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/**
 * Whether `error` says the connection or the server failed (so nothing happened, or a
 * COMMIT's outcome is unknown) rather than that a statement was refused.
 */
export function isConnectionFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return UNAVAILABLE_STATES.test(code) || SOCKET_FAILURES.has(code);
  // node-postgres's own words for a connection that ended or could not be had in time.
  return /Connection terminated|connection error|not queryable|timeout exceeded when trying to connect/i.test(error.message);
}

const asStoreError = (error: unknown): unknown =>
  isConnectionFailure(error) ? new DatabaseUnavailable({ cause: error }) : error;

/**
 * The PostgreSQL store: a pool of connections, shared by any number of replicas through the
 * database. Transactions are READ COMMITTED, and a use case that changes a session first
 * holds its row (SELECT … FOR UPDATE), so changes of one session run one after the other
 * and each reads what the one before it committed; reads that must agree with each other
 * run in one REPEATABLE READ snapshot. Nothing is cached: every replica reads the database.
 */
/**
 * What a NOTIFY of this store carries: a change, the id of a change too large for NOTIFY,
 * or a marker that a replica sent itself to know that every notice committed before it has come.
 */
type ChangeNotice = { readonly change: SessionChange } | { readonly stored: number } | { readonly settled: string };

/** How long settled() waits for its marker: a feed that is down has nothing to deliver anyway. */
const SETTLE_TIMEOUT_MS = 2_000;

export class PostgresSessionStore implements SessionStore {
  private closed = false;
  private feed: PostgresChangeFeed | undefined;
  /** Notices handled one after the other, so that listeners get them in commit order even when one must be read first. */
  private noticesHandled: Promise<void> = Promise.resolve();
  /** The settled() calls waiting for their marker, by marker. */
  private readonly settling = new Map<string, () => void>();

  constructor(
    private readonly pool: pg.Pool,
    /** Told when the change feed's connection fails (it reconnects by itself) or a notice cannot be read. */
    private readonly changeFeedFailed: (error: Error) => void = () => {},
  ) {}

  /** Listens on a connection of its own (PostgresChangeFeed), outside the pool. */
  async listen(listener: ChangeListener): Promise<void> {
    this.feed = new PostgresChangeFeed(this.pool.options.connectionString as string, {
      notice: (notice) => {
        const told = notice as ChangeNotice;
        if ('settled' in told) {
          // After the notices before it have been handled.
          this.noticesHandled = this.noticesHandled.then(() => this.settling.get(told.settled)?.());
          return;
        }
        this.noticesHandled = this.noticesHandled
          .then(async () => listener.committed(await this.changeOf(told)))
          .catch((error: unknown) => {
            // The change could not be read: its watchers read the database again instead.
            this.changeFeedFailed(error as Error);
            listener.missedSome();
          });
      },
      resumed: () => listener.missedSome(),
      failed: (error) => this.changeFeedFailed(error),
    });
    await this.feed.start();
  }

  /** Sends a marker through the database and waits for it to come back through the feed. */
  async settled(): Promise<void> {
    if (!this.feed) return;
    const marker = randomUUID();
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        this.settling.set(marker, resolve);
        timer = setTimeout(resolve, SETTLE_TIMEOUT_MS);
        this.pool
          .query('SELECT pg_notify($1, $2)', [CHANGES_CHANNEL, JSON.stringify({ settled: marker })])
          .catch((error: unknown) => reject(asStoreError(error) as Error));
      });
    } finally {
      clearTimeout(timer);
      this.settling.delete(marker);
    }
  }

  private async changeOf(notice: { change: SessionChange } | { stored: number }): Promise<SessionChange> {
    if ('change' in notice) return notice.change;
    const { rows } = await this.pool.query<{ change: string }>({ name: 'storedChange', text: SQL.storedChange, values: [notice.stored] });
    if (!rows[0]) throw new Error(`change notice ${notice.stored} is gone`);
    return JSON.parse(rows[0].change) as SessionChange;
  }

  transaction<T>(work: (tx: SessionWrites) => Promise<T>): Promise<T> {
    return this.run('BEGIN', work);
  }

  snapshot<T>(work: (reads: SessionReads) => Promise<T>): Promise<T> {
    return this.run('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', work);
  }

  /** PostgreSQL's autovacuum makes the space of deleted rows reusable by itself. */
  async freePages(): Promise<number> {
    return 0;
  }

  async isReachable(): Promise<boolean> {
    try {
      await this.pool.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.feed?.close();
    await this.pool.end();
  }

  private async run<T>(begin: string, work: (tx: PostgresTransaction) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw asStoreError(error);
    }
    // A connection that failed is dropped from the pool rather than handed to the next transaction.
    let failed: Error | undefined;
    // The connection dying while checked out is reported here as well as to the query under
    // way; without a listener it would be an uncaught error, ending the process.
    const connectionFailed = (error: Error) => (failed = error);
    client.on('error', connectionFailed);
    try {
      await client.query(begin);
      const result = await work(new PostgresTransaction(client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      if (isConnectionFailure(error)) failed = error as Error;
      else await client.query('ROLLBACK').catch((rollbackFailed: unknown) => (failed = rollbackFailed as Error));
      throw asStoreError(error);
    } finally {
      client.off('error', connectionFailed);
      client.release(failed);
    }
  }
}
