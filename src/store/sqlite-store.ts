import type { Schedule } from '../schedulers/schedule.js';
import { KEY_COLUMNS, type NewKey, type StoredKey, type StoredProject } from './access-store.js';
import type { AuditEntry } from './audit-log.js';
import type { Db } from './database.js';
import { DatabaseUnavailable } from './errors.js';
import { closeBlocksEndingAt, HistoryExtremes, type BlockRun, type Candidate } from './history-extremes.js';
import { encode, toHistoryEntry, toSession, type HistoryRow, type SessionRow } from './rows.js';
import type { SessionChange } from '../sessions/session-changes.js';
import type {
  AccessVersion,
  ChangeListener,
  NewSession,
  SessionReads,
  SessionStore,
  SessionWrites,
  StoredHistoryEntry,
  StoredReport,
  StoredSession,
} from './session-store.js';

function prepareStatements(db: Db) {
  return {
    insertSession: db.prepare(`
      INSERT INTO sessions (id, project, key, name, metadata, param_groups, requested_with_references, scheduler,
                            step, scheduler_state, groups, created_at, updated_at)
      VALUES (@id, @project, @key, @name, @metadata, @param_groups, @requested_with_references, @scheduler,
              0, @scheduler_state, @groups, @at, @at)`),
    insertHistory: db.prepare(`
      INSERT INTO history (session_seq, step, recorded_at, actor, report, scheduler_state, groups)
      VALUES (?, ?, ?, ?, ?, ?, ?)`),
    byId: db.prepare(
      'SELECT * FROM sessions WHERE id = @id AND deleted_at IS NULL AND (@project IS NULL OR project = @project)',
    ),
    byKey: db.prepare('SELECT * FROM sessions WHERE project = ? AND key = ? AND deleted_at IS NULL'),
    newestFirst: db.prepare('SELECT * FROM sessions WHERE seq < ? AND deleted_at IS NULL ORDER BY seq DESC LIMIT ?'),
    newestFirstInProject: db.prepare(
      'SELECT * FROM sessions WHERE project = ? AND seq < ? AND deleted_at IS NULL ORDER BY seq DESC LIMIT ?',
    ),
    // The key goes with the mark: a new session may take it at once.
    markDeleted: db.prepare('UPDATE sessions SET deleted_at = ?, key = NULL WHERE id = ? AND deleted_at IS NULL'),
    oldestDeleted: db.prepare('SELECT seq FROM sessions WHERE deleted_at IS NOT NULL ORDER BY seq LIMIT 1').pluck(),
    deleteHistoryChunk: db.prepare(`
      DELETE FROM history
      WHERE session_seq = @seq
        AND step IN (SELECT step FROM history WHERE session_seq = @seq ORDER BY step DESC LIMIT @rows)`),
    purgeDeleted: db.prepare('DELETE FROM sessions WHERE seq = ? AND deleted_at IS NOT NULL'),
    freelistCount: db.prepare('PRAGMA freelist_count').pluck(),
    moveTo: db.prepare(`
      UPDATE sessions SET step = ?, scheduler_state = ?, groups = ?, updated_at = ? WHERE seq = ?`),
    historyAt: db.prepare('SELECT * FROM history WHERE session_seq = ? AND step = ?'),
    historyAfter: db.prepare('SELECT * FROM history WHERE session_seq = ? AND step > ? ORDER BY step LIMIT ?'),
    historyAtSteps: db.prepare(`
      SELECT * FROM history WHERE session_seq = ? AND step IN (SELECT value FROM json_each(?)) ORDER BY step`),
    dropHistoryAfter: db.prepare('DELETE FROM history WHERE session_seq = ? AND step > ?'),
    ping: db.prepare('SELECT 1'),
    insertAudit: db.prepare(`
      INSERT INTO audit_log (at, actor, action, project, subject, detail)
      VALUES (@at, @actor, @action, @project, @subject, @detail)`),
    insertProject: db.prepare('INSERT INTO projects (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING'),
    project: db.prepare('SELECT name, created_at FROM projects WHERE name = ?'),
    projects: db.prepare('SELECT name, created_at FROM projects ORDER BY name'),
    insertKey: db.prepare(`
      INSERT INTO api_keys (id, token_sha256, project, role, name, created_at)
      VALUES (@id, @token_sha256, @project, @role, @name, @created_at)`),
    keyById: db.prepare(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE id = ?`),
    keyByDigest: db.prepare(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE token_sha256 = ?`),
    keys: db.prepare(`SELECT ${KEY_COLUMNS} FROM api_keys ORDER BY created_at, id`),
    anyKey: db.prepare('SELECT EXISTS (SELECT 1 FROM api_keys)').pluck(),
    revoke: db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
    // Changes whenever another connection (another process: `npm run keys`) commits to the file.
    dataVersion: db.prepare('PRAGMA data_version').pluck(),
  };
}

type Statements = ReturnType<typeof prepareStatements>;

/**
 * The store's calls inside a transaction, as prepared statements on the one connection.
 * They run synchronously; they are async only to answer the store interface.
 */
class SqliteTransaction implements SessionWrites {
  /** What the transaction under way announced, told once it has committed. */
  announced: SessionChange[] = [];
  /**
   * Counts the changes to projects and keys made on this connection, which its own
   * data_version does not show (see SqliteSessionStore.accessVersion). Counted when made
   * rather than when committed: one rolled back only costs a cache a needless miss, and
   * until the COMMIT the connection is inside a transaction, where nothing is cached.
   */
  accessChanges = 0;

  constructor(
    private readonly statements: Statements,
    private readonly extremes: HistoryExtremes,
  ) {}

  async announce(change: SessionChange): Promise<void> {
    this.announced.push(change);
  }

  async findById(id: string, project: string | null): Promise<StoredSession | undefined> {
    const row = this.statements.byId.get({ id, project }) as SessionRow | undefined;
    return row && toSession(row);
  }

  /** BEGIN IMMEDIATE took the write lock of the whole file: the session is held already. */
  holdById(id: string, project: string | null): Promise<StoredSession | undefined> {
    return this.findById(id, project);
  }

  async findByKey(project: string, key: string): Promise<StoredSession | undefined> {
    const row = this.statements.byKey.get(project, key) as SessionRow | undefined;
    return row && toSession(row);
  }

  async *newestFirst(
    project: string | null,
    limit: number,
    beforeSeq: number = Number.MAX_SAFE_INTEGER,
  ): AsyncGenerator<StoredSession> {
    const rows =
      project === null
        ? this.statements.newestFirst.iterate(beforeSeq, limit)
        : this.statements.newestFirstInProject.iterate(project, beforeSeq, limit);
    for (const row of rows) yield toSession(row as SessionRow);
  }

  async historyAt(session: StoredSession, step: number): Promise<StoredHistoryEntry | undefined> {
    const row = this.statements.historyAt.get(session.seq, step) as HistoryRow | undefined;
    return row && toHistoryEntry(row);
  }

  async *historyAfter(session: StoredSession, afterStep: number, limit: number): AsyncGenerator<StoredHistoryEntry> {
    for (const row of this.statements.historyAfter.iterate(session.seq, afterStep, limit)) {
      yield toHistoryEntry(row as HistoryRow);
    }
  }

  async historyAtSteps(session: StoredSession, steps: readonly number[]): Promise<StoredHistoryEntry[]> {
    const rows = this.statements.historyAtSteps.all(session.seq, JSON.stringify(steps)) as HistoryRow[];
    return rows.map(toHistoryEntry);
  }

  extremeCandidates(session: StoredSession, run: BlockRun): Promise<Candidate[]> {
    return this.extremes.candidates(session.seq, run);
  }

  /** The write lock makes a key taken meanwhile impossible: the insert always lands. */
  async insert(session: NewSession): Promise<StoredSession> {
    const { schedule } = session;
    const info = this.statements.insertSession.run({
      id: session.id,
      project: session.project,
      key: session.key,
      name: session.name,
      metadata: JSON.stringify(session.metadata),
      param_groups: JSON.stringify(session.param_groups),
      requested_with_references: session.requested_with_references,
      scheduler: JSON.stringify(schedule.config),
      scheduler_state: encode(schedule.state),
      groups: encode(schedule.groups),
      at: session.at,
    });
    const seq = Number(info.lastInsertRowid);
    this.statements.insertHistory.run(seq, 0, session.at, session.actor, null, encode(schedule.state), encode(schedule.groups));
    return (await this.findById(session.id, session.project)) as StoredSession;
  }

  async markDeleted(id: string, at: string): Promise<boolean> {
    return this.statements.markDeleted.run(at, id).changes > 0;
  }

  async oldestDeleted(): Promise<number | undefined> {
    return this.statements.oldestDeleted.get() as number | undefined;
  }

  async deleteExtremesChunk(seq: number, rows: number): Promise<number> {
    return this.extremes.deleteChunk(seq, rows);
  }

  async deleteHistoryChunk(seq: number, rows: number): Promise<number> {
    return this.statements.deleteHistoryChunk.run({ seq, rows }).changes;
  }

  async purgeDeleted(seq: number): Promise<void> {
    this.statements.purgeDeleted.run(seq);
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
    this.statements.moveTo.run(step, state, groups, at, session.seq);
    this.statements.insertHistory.run(session.seq, step, at, actor, encode(report), state, groups);
    await closeBlocksEndingAt(this.extremes, session.seq, step);
  }

  async rewindTo(session: StoredSession, entry: StoredHistoryEntry, at: string): Promise<void> {
    this.statements.dropHistoryAfter.run(session.seq, entry.step);
    this.extremes.dropAfter(session.seq, entry.step);
    this.statements.moveTo.run(entry.step, encode(entry.state), encode(entry.groups), at, session.seq);
  }

  async recordAudit(entry: AuditEntry): Promise<void> {
    this.statements.insertAudit.run({ ...entry, detail: JSON.stringify(entry.detail) });
  }

  async project(name: string): Promise<StoredProject | undefined> {
    return this.statements.project.get(name) as StoredProject | undefined;
  }

  async projects(): Promise<StoredProject[]> {
    return this.statements.projects.all() as StoredProject[];
  }

  async insertProject(project: StoredProject): Promise<boolean> {
    this.accessChanges++;
    return this.statements.insertProject.run(project.name, project.created_at).changes > 0;
  }

  async insertKey(key: NewKey): Promise<void> {
    this.accessChanges++;
    this.statements.insertKey.run(key);
  }

  async keyById(id: string): Promise<StoredKey | undefined> {
    return this.statements.keyById.get(id) as StoredKey | undefined;
  }

  async keyByDigest(digest: string): Promise<StoredKey | undefined> {
    return this.statements.keyByDigest.get(digest) as StoredKey | undefined;
  }

  async keys(): Promise<StoredKey[]> {
    return this.statements.keys.all() as StoredKey[];
  }

  async anyKeyExists(): Promise<boolean> {
    return this.statements.anyKey.get() === 1;
  }

  async revoke(id: string, at: string): Promise<boolean> {
    this.accessChanges++;
    return this.statements.revoke.run(at, id).changes > 0;
  }
}

/** What better-sqlite3 throws when the file stays locked past the busy timeout, or the connection is closed. */
function isUnavailable(error: unknown): boolean {
  if (error instanceof TypeError) return /database connection is not open/.test(error.message);
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_CANTOPEN'));
}

const asStoreError = (error: unknown): unknown => (isUnavailable(error) ? new DatabaseUnavailable({ cause: error }) : error);

/**
 * The SQLite store: one better-sqlite3 connection (WAL, synchronous=FULL; see database.ts),
 * whose calls are synchronous. A transaction holds the connection from BEGIN to COMMIT,
 * across its awaits, so transactions run one at a time in the order they were asked for
 * (`queue`), and each commits on its own, with its own fsync.
 *
 * Group commit would be a change inside this class alone: take every transaction waiting
 * in the queue, run them inside one BEGIN IMMEDIATE, each between a SAVEPOINT and its
 * RELEASE (ROLLBACK TO for one that fails, leaving the others), COMMIT once (one fsync),
 * and only then settle each one's promise, so that nothing is answered before it is durable.
 */
export class SqliteSessionStore implements SessionStore {
  private readonly statements: Statements;
  private readonly tx: SqliteTransaction;
  /** The last transaction asked for: the next one begins once it has settled. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Whether a read-only (DEFERRED) transaction is open on the connection: see accessVersion. */
  private inSnapshot = false;
  private readonly listeners: ChangeListener[] = [];

  constructor(private readonly db: Db) {
    this.statements = prepareStatements(db);
    this.tx = new SqliteTransaction(this.statements, new HistoryExtremes(db));
  }

  async isReachable(): Promise<boolean> {
    try {
      return this.statements.ping.get() !== undefined;
    } catch {
      return false;
    }
  }

  /** One IMMEDIATE transaction (it takes the write lock at once): all of it lands, or none of it. */
  transaction<T>(work: (tx: SessionWrites) => Promise<T>): Promise<T> {
    return this.inTurn('BEGIN IMMEDIATE', work);
  }

  /** One DEFERRED transaction: the reads see one state of the database. */
  snapshot<T>(work: (reads: SessionReads) => Promise<T>): Promise<T> {
    return this.inTurn('BEGIN DEFERRED', work);
  }

  /** A single statement needs no snapshot of its own, but runs in turn all the same: nothing overtakes a transaction asked for before it. */
  lookup<T>(read: (reads: SessionReads) => Promise<T>): Promise<T> {
    return this.snapshot(read);
  }

  /**
   * This connection's own changes to projects and keys (counted by the transaction), and
   * PRAGMA data_version, which changes when another connection commits to the file (and
   * stays put for this connection's own commits, steps included, so a step does not
   * invalidate a cache). Checked while no transaction is open, or while a write transaction
   * holds the file's write lock, the pragma sees the file as it is now: nobody else can have
   * committed since it last looked. Inside a read-only transaction it would see that
   * transaction's older snapshot instead, so then: undefined, as when the connection is
   * closed or busy.
   */
  accessVersion(): AccessVersion | undefined {
    if (this.inSnapshot || !this.db.open) return undefined;
    try {
      return `${this.tx.accessChanges}:${this.statements.dataVersion.get() as number}`;
    } catch {
      return undefined; // busy iterating a listing, or locked during a recovery: read the database instead
    }
  }

  /** incremental_vacuum (the database runs in auto_vacuum INCREMENTAL mode), in turn with the transactions. */
  freePages(pages: number): Promise<number> {
    const turn = this.queue.then(() => {
      this.db.pragma(`incremental_vacuum(${Math.max(1, Math.floor(pages))})`);
      return this.statements.freelistCount.get() as number;
    });
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  /** One process has the file: a change is told to the listeners right after its COMMIT, before the next transaction begins. */
  async listen(listener: ChangeListener): Promise<void> {
    this.listeners.push(listener);
  }

  /** Every change is told to this process's listeners: nothing to mark. */
  async markWatched(): Promise<() => void> {
    return () => {};
  }

  /** Changes are told right after their COMMIT: settled already. */
  async settled(): Promise<void> {}

  async close(): Promise<void> {
    await this.queue;
    if (this.db.open) this.db.close();
  }

  private inTurn<T>(begin: string, work: (tx: SqliteTransaction) => Promise<T>): Promise<T> {
    const turn = this.queue.then(() => this.run(begin, work));
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async run<T>(begin: string, work: (tx: SqliteTransaction) => Promise<T>): Promise<T> {
    try {
      this.db.exec(begin);
    } catch (error) {
      throw asStoreError(error);
    }
    this.tx.announced = [];
    this.inSnapshot = begin === 'BEGIN DEFERRED';
    try {
      const result = await work(this.tx);
      this.db.exec('COMMIT');
      for (const change of this.tx.announced) for (const listener of this.listeners) listener.committed(change);
      return result;
    } catch (error) {
      // SQLite may have rolled back by itself (a full disk, an I/O error).
      if (this.db.open && this.db.inTransaction) this.db.exec('ROLLBACK');
      throw asStoreError(error);
    } finally {
      this.inSnapshot = false;
    }
  }
}
