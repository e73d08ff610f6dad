import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Schedule } from '../schedulers/schedule.js';
import type { SessionChange } from '../sessions/session-changes.js';
import { KEY_COLUMNS, type NewKey, type StoredKey, type StoredProject } from './access-store.js';
import type { AuditEntry } from './audit-log.js';
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
import { CHANGES_CHANNEL, fitsNotify, notifyOnCommit, notifyPayloadOnCommit, PostgresChangeFeed } from './postgres-change-feed.js';
import { WATCH_LEASE_SECONDS, WatchLeases } from './postgres-watch-leases.js';
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
  byId: 'SELECT * FROM sessions WHERE id = $1 AND deleted_at IS NULL AND ($2::text IS NULL OR project = $2)',
  // A session deleted while this waited for its lock is not found: the row lock re-reads the row,
  // and `watched` is computed from the row as re-read (see announce).
  holdById: `
    SELECT *, coalesce(watched_until > now(), false) AS watched FROM sessions
    WHERE id = $1 AND deleted_at IS NULL AND ($2::text IS NULL OR project = $2) FOR UPDATE`,
  byKey: 'SELECT * FROM sessions WHERE project = $1 AND key = $2 AND deleted_at IS NULL',
  newestFirst: 'SELECT * FROM sessions WHERE seq < $1 AND deleted_at IS NULL ORDER BY seq DESC LIMIT $2',
  newestFirstInProject:
    'SELECT * FROM sessions WHERE project = $3 AND seq < $1 AND deleted_at IS NULL ORDER BY seq DESC LIMIT $2',
  // A key another transaction took in this project meanwhile inserts nothing (and waits for that one to end).
  insertSession: `
    INSERT INTO sessions (id, project, key, name, metadata, param_groups, requested_with_references, scheduler,
                          step, scheduler_state, groups, created_at, updated_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $10, $11, $11)
    ON CONFLICT (project, key) DO NOTHING
    RETURNING *`,
  insertHistory: `
    INSERT INTO history (session_seq, step, recorded_at, actor, report, scheduler_state, groups)
    VALUES ($1, $2, $3, $4, $5, $6, $7)`,
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
  insertAudit: `
    INSERT INTO audit_log (at, actor, action, project, subject, detail)
    VALUES ($1, $2, $3, $4, $5, $6)`,
  // A project made meanwhile by another transaction inserts nothing (and waits for that one to end).
  insertProject: 'INSERT INTO projects (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING',
  project: 'SELECT name, created_at FROM projects WHERE name = $1',
  // Ordered as SQLite orders text (by bytes), whatever the database's locale.
  projects: 'SELECT name, created_at FROM projects ORDER BY name COLLATE "C"',
  insertKey: `
    INSERT INTO api_keys (id, token_sha256, project, role, name, created_at)
    VALUES ($1, $2, $3, $4, $5, $6)`,
  keyById: `SELECT ${KEY_COLUMNS} FROM api_keys WHERE id = $1`,
  keyByDigest: `SELECT ${KEY_COLUMNS} FROM api_keys WHERE token_sha256 = $1`,
  keys: `SELECT ${KEY_COLUMNS} FROM api_keys ORDER BY created_at, id COLLATE "C"`,
  anyKey: 'SELECT EXISTS (SELECT 1 FROM api_keys) AS any',
  revoke: 'UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL',
} as const;

type StatementName = keyof typeof SQL;

/** Where statements go: a connection (a transaction's) or the pool (each statement on any free connection). */
type Queryable = Pick<pg.ClientBase, 'query'>;

/**
 * Rows a lazy listing fetches per query: a page that stops early (at its byte budget) has
 * read at most this many rows more than it shows.
 */
const ROWS_PER_FETCH = 64;

/** PostgreSQL's text cannot hold NUL (a query with one is refused): no session has such an id or key. */
const cannotBeStored = (text: string) => text.includes('\0');

/**
 * The store's calls inside one transaction, on the connection that transaction holds; or,
 * for a lookup (one statement outside any transaction), on the pool.
 */
class PostgresTransaction implements SessionWrites, ExtremesTable {
  /** Whether each session this transaction holds was watched when its row was locked (see announce). */
  private readonly heldWatched = new Map<string, boolean>();

  constructor(private readonly client: Queryable) {}

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

  private async sessionRow<Row extends SessionRow>(name: 'byId' | 'holdById' | 'byKey', values: (string | null)[]): Promise<Row | undefined> {
    if (values.some((value) => value !== null && cannotBeStored(value))) return undefined;
    return (await this.rows<Row>(name, values))[0];
  }

  private async session(name: 'byId' | 'byKey', values: (string | null)[]): Promise<StoredSession | undefined> {
    const row = await this.sessionRow(name, values);
    return row && toSession(row);
  }

  findById(id: string, project: string | null): Promise<StoredSession | undefined> {
    return this.session('byId', [id, project]);
  }

  /** SELECT … FOR UPDATE: the row lock serialises the steps, rewinds and deletes of one session across replicas. */
  async holdById(id: string, project: string | null): Promise<StoredSession | undefined> {
    const row = await this.sessionRow<SessionRow & { watched: boolean }>('holdById', [id, project]);
    if (!row) return undefined;
    this.heldWatched.set(id, row.watched);
    return toSession(row);
  }

  findByKey(project: string, key: string): Promise<StoredSession | undefined> {
    return this.session('byKey', [project, key]);
  }

  async *newestFirst(
    project: string | null,
    limit: number,
    beforeSeq: number = Number.MAX_SAFE_INTEGER,
  ): AsyncGenerator<StoredSession> {
    yield* this.inFetches(limit, beforeSeq, async (below, count) => {
      const rows =
        project === null
          ? await this.rows<SessionRow>('newestFirst', [below, count])
          : await this.rows<SessionRow>('newestFirstInProject', [below, count, project]);
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
      session.project,
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
    await this.rows('insertHistory', [row.seq, 0, session.at, session.actor, null, encode(schedule.state), encode(schedule.groups)]);
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

  async appendStep(
    session: StoredSession,
    schedule: Schedule,
    report: StoredReport,
    at: string,
    actor: string | null,
  ): Promise<void> {
    const step = session.step + 1;
    const state = encode(schedule.state);
    const groups = encode(schedule.groups);
    await this.rows('moveTo', [step, state, groups, at, session.seq]);
    await this.rows('insertHistory', [session.seq, step, at, actor, encode(report), state, groups]);
    await closeBlocksEndingAt(this, session.seq, step);
  }

  async rewindTo(session: StoredSession, entry: StoredHistoryEntry, at: string): Promise<void> {
    await this.rows('dropHistoryAfter', [session.seq, entry.step]);
    await this.rows('dropExtremesAfter', [session.seq, entry.step]);
    await this.rows('moveTo', [entry.step, encode(entry.state), encode(entry.groups), at, session.seq]);
  }

  /**
   * NOTIFY carries the change itself, or, when it is too large for NOTIFY, the id of a
   * change_notices row; but only for a session watched (by any replica's WatchLeases) when
   * this transaction locked its row. NOTIFY is what makes commits queue for one global
   * lock, so a change nobody watches sends none.
   *
   * Race-free: a watcher's marking (an UPDATE of watched_until) takes the same row lock as
   * holdById, and the watcher reads the session only once its marking has committed. So
   * either this transaction locked the row first, and the marking waited for its commit,
   * so the watcher's first read sees this change; or the marking committed first, and
   * holdById (READ COMMITTED re-reads a row once its lock is granted) saw the lease, and
   * this transaction notifies. A session this transaction did not hold is always told.
   */
  async announce(change: SessionChange): Promise<void> {
    if (this.heldWatched.get(change.sessionId) === false) return;
    // Written as JSON once: the same text is measured and, if it fits, sent.
    const inline = JSON.stringify({ change } satisfies ChangeNotice);
    if (fitsNotify(inline)) return notifyPayloadOnCommit(this.client, inline);
    const [row] = await this.rows<{ id: number }>('storeChange', [JSON.stringify(change)]);
    await notifyOnCommit(this.client, { stored: (row as { id: number }).id } satisfies ChangeNotice);
  }

  async recordAudit({ at, actor, action, project, subject, detail }: AuditEntry): Promise<void> {
    await this.rows('insertAudit', [at, actor, action, project, subject, JSON.stringify(detail)]);
  }

  async project(name: string): Promise<StoredProject | undefined> {
    if (cannotBeStored(name)) return undefined;
    return (await this.rows<StoredProject & pg.QueryResultRow>('project', [name]))[0];
  }

  projects(): Promise<StoredProject[]> {
    return this.rows<StoredProject & pg.QueryResultRow>('projects', []);
  }

  async insertProject(project: StoredProject): Promise<boolean> {
    return (await this.changed('insertProject', [project.name, project.created_at])) > 0;
  }

  async insertKey(key: NewKey): Promise<void> {
    await this.rows('insertKey', [key.id, key.token_sha256, key.project, key.role, key.name, key.created_at]);
  }

  async keyById(id: string): Promise<StoredKey | undefined> {
    if (cannotBeStored(id)) return undefined;
    return (await this.rows<StoredKey & pg.QueryResultRow>('keyById', [id]))[0];
  }

  async keyByDigest(digest: string): Promise<StoredKey | undefined> {
    return (await this.rows<StoredKey & pg.QueryResultRow>('keyByDigest', [digest]))[0];
  }

  keys(): Promise<StoredKey[]> {
    return this.rows<StoredKey & pg.QueryResultRow>('keys', []);
  }

  async anyKeyExists(): Promise<boolean> {
    const [row] = await this.rows<{ any: boolean }>('anyKey', []);
    return row?.any === true;
  }

  async revoke(id: string, at: string): Promise<boolean> {
    return (await this.changed('revoke', [at, id])) > 0;
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
  private readonly leases: WatchLeases;
  private listener: ChangeListener | undefined;

  constructor(
    private readonly pool: pg.Pool,
    /**
     * Told when the change feed's connection fails (it reconnects by itself), a notice
     * cannot be read, or renewing a watch lease fails (it tries again).
     */
    private readonly changeFeedFailed: (error: Error) => void = () => {},
    /** How long a replica's mark that it watches a session lasts without renewal (WatchLeases). */
    watchLeaseSeconds: number = WATCH_LEASE_SECONDS,
  ) {
    this.leases = new WatchLeases(pool, watchLeaseSeconds, {
      failed: (error) => this.changeFeedFailed(error),
      // A lease may have lapsed: changes meanwhile may have been committed without a notice.
      recovered: () => this.listener?.missedSome(),
    });
  }

  /** Listens on a connection of its own (PostgresChangeFeed), outside the pool. */
  async listen(listener: ChangeListener): Promise<void> {
    this.listener = listener;
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
      // Marked again before the watchers read again: a lease may have lapsed while the database was away.
      resumed: () =>
        void this.leases
          .renewAll()
          .catch((error: unknown) => this.changeFeedFailed(error as Error))
          .finally(() => listener.missedSome()),
      failed: (error) => this.changeFeedFailed(error),
    });
    await this.feed.start();
  }

  /** Holds this replica's lease on the session (WatchLeases): steps of it notify from when this resolves. */
  async markWatched(sessionId: string, project: string | null): Promise<() => void> {
    // A session the caller may not see is not marked: a refused watch changes nothing.
    if (!(await this.lookup((reads) => reads.findById(sessionId, project)))) return () => {};
    try {
      return await this.leases.hold(sessionId);
    } catch (error) {
      throw asStoreError(error);
    }
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

  /** The statement goes to the pool: a connection that is free sends it in one round trip, autocommitted. */
  async lookup<T>(read: (reads: SessionReads) => Promise<T>): Promise<T> {
    try {
      return await read(new PostgresTransaction(this.pool));
    } catch (error) {
      throw asStoreError(error);
    }
  }

  /** What another replica changed is known only by asking the database: nothing read of projects and keys is kept. */
  accessVersion(): undefined {
    return undefined;
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
    this.leases.close();
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
