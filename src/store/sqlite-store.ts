import type { Schedule } from '../schedulers/schedule.js';
import type { Db } from './database.js';
import { DatabaseUnavailable } from './errors.js';
import type { ParamGroup } from '../schedulers/param-groups.js';
import { closeBlocksEndingAt, HistoryExtremes, type BlockRun, type Candidate } from './history-extremes.js';
import { HotSessions } from './hot-sessions.js';
import { decode, encode, readsBackAsItself, toHistoryEntry, toSession, type HistoryRow, type SessionRow } from './rows.js';
import type { SessionChange } from '../sessions/session-changes.js';
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
import { WalSync, type SyncFile } from './wal-sync.js';

function prepareStatements(db: Db) {
  return {
    insertSession: db.prepare(`
      INSERT INTO sessions (id, key, name, metadata, param_groups, requested_with_references, scheduler,
                            step, scheduler_state, groups, created_at, updated_at)
      VALUES (@id, @key, @name, @metadata, @param_groups, @requested_with_references, @scheduler,
              0, @scheduler_state, @groups, @at, @at)`),
    insertHistory: db.prepare(`
      INSERT INTO history (session_seq, step, recorded_at, report, scheduler_state, groups)
      VALUES (?, ?, ?, ?, ?, ?)`),
    byId: db.prepare('SELECT * FROM sessions WHERE id = ? AND deleted_at IS NULL'),
    byKey: db.prepare('SELECT * FROM sessions WHERE key = ? AND deleted_at IS NULL'),
    newestFirst: db.prepare('SELECT * FROM sessions WHERE seq < ? AND deleted_at IS NULL ORDER BY seq DESC LIMIT ?'),
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
    // Moves when another connection commits a change to the file.
    dataVersion: db.prepare('PRAGMA data_version').pluck(),
    totalChanges: db.prepare('SELECT total_changes()').pluck(),
    // Prepared once: db.exec would parse them again for every unit of every group.
    begin: db.prepare('BEGIN IMMEDIATE'),
    savepoint: db.prepare('SAVEPOINT unit'),
    release: db.prepare('RELEASE unit'),
    rollbackTo: db.prepare('ROLLBACK TO unit'),
    commit: db.prepare('COMMIT'),
  };
}

type Statements = ReturnType<typeof prepareStatements>;

/**
 * The store's calls inside a transaction, as prepared statements on the one connection.
 * They run synchronously; they are async only to answer the store interface.
 */
class SqliteTransaction implements SessionWrites {
  /** What the unit of work under way announced, told once its group is durable. */
  announced: SessionChange[] = [];

  constructor(
    private readonly statements: Statements,
    private readonly hot: HotSessions,
    private readonly extremes: HistoryExtremes,
  ) {}

  async announce(change: SessionChange): Promise<void> {
    this.announced.push(change);
  }

  async findById(id: string): Promise<StoredSession | undefined> {
    const hot = this.hot.get(id);
    if (hot) return hot;
    const row = this.statements.byId.get(id) as SessionRow | undefined;
    if (!row) return undefined;
    const session = toSession(row);
    this.hot.remember(session);
    return session;
  }

  /** BEGIN IMMEDIATE took the write lock of the whole file: the session is held already. */
  holdById(id: string): Promise<StoredSession | undefined> {
    return this.findById(id);
  }

  async findByKey(key: string): Promise<StoredSession | undefined> {
    const row = this.statements.byKey.get(key) as SessionRow | undefined;
    return row && toSession(row);
  }

  async *newestFirst(limit: number, beforeSeq: number = Number.MAX_SAFE_INTEGER): AsyncGenerator<StoredSession> {
    for (const row of this.statements.newestFirst.iterate(beforeSeq, limit)) yield toSession(row as SessionRow);
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
    this.statements.insertHistory.run(seq, 0, session.at, null, encode(schedule.state), encode(schedule.groups));
    return (await this.findById(session.id)) as StoredSession;
  }

  async markDeleted(id: string, at: string): Promise<boolean> {
    this.hot.forget(id);
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

  async appendStep(session: StoredSession, schedule: Schedule, report: StoredReport, at: string): Promise<void> {
    const step = session.step + 1;
    const state = encode(schedule.state);
    const groups = encode(schedule.groups);
    this.statements.moveTo.run(step, state, groups, at, session.seq);
    this.statements.insertHistory.run(session.seq, step, at, encode(report), state, groups);
    await closeBlocksEndingAt(this.extremes, session.seq, step);
    // As the row now reads back, so that a step is computed the same whether its session was cached or read.
    const stored =
      readsBackAsItself(schedule.state) && readsBackAsItself(schedule.groups)
        ? schedule
        : { config: schedule.config, state: decode(state), groups: decode<ParamGroup[]>(groups) };
    this.hot.remember({ ...session, step, schedule: stored, updated_at: at });
  }

  async rewindTo(session: StoredSession, entry: StoredHistoryEntry, at: string): Promise<void> {
    this.statements.dropHistoryAfter.run(session.seq, entry.step);
    this.extremes.dropAfter(session.seq, entry.step);
    this.statements.moveTo.run(entry.step, encode(entry.state), encode(entry.groups), at, session.seq);
    const schedule = { config: session.schedule.config, state: entry.state, groups: entry.groups };
    this.hot.remember({ ...session, step: entry.step, schedule, updated_at: at });
  }
}

/** What better-sqlite3 throws when the file stays locked past the busy timeout, or the connection is closed. */
function isUnavailable(error: unknown): boolean {
  if (error instanceof TypeError) return /database connection is not open/.test(error.message);
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_CANTOPEN'));
}

const asStoreError = (error: unknown): unknown => (isUnavailable(error) ? new DatabaseUnavailable({ cause: error }) : error);

/** One transaction or snapshot waiting for its turn in a group, and how to answer it. */
interface Unit {
  readonly work: (tx: SqliteTransaction) => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** What one unit of a group came to: answered once the group is durable. */
type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

/** What a group came to: each unit's outcome, and the changes its committed units announced. */
interface GroupResult {
  readonly outcomes: Outcome[];
  readonly announced: SessionChange[];
}

/**
 * Units in one group at most: a burst of requests is committed as several groups rather
 * than one transaction of unbounded size and duration (each answer waits for its whole group).
 */
export const MAX_GROUP_SIZE = 256;

/**
 * How long the WAL grows before the COMMIT that passes it copies its pages into the database
 * file (SQLite's default is 1000 pages). A step rewrites two pages, its session's row and its
 * history's last leaf, which are different pages for each session, and a checkpoint copies
 * each page's last version once and then fsyncs twice, on the main thread. Measured with 64
 * sessions stepped in groups: at 1000 pages checkpoints took some 60 % of all the time spent
 * in COMMIT; at 10000 (a WAL of about 40 MB, reused after each checkpoint) COMMITs took a
 * third as long in all.
 */
export const WAL_CHECKPOINT_PAGES = 10_000;

/**
 * Sessions kept parsed (hot-sessions.ts): more than the training jobs stepping at once on
 * one machine, few enough that even sessions of a thousand groups stay within some 100 MB.
 */
export const MAX_HOT_SESSIONS = 256;

export interface SqliteStoreOptions {
  /** How the WAL is flushed to the disk (fs.fdatasync; tests wrap it to watch or hold it). */
  readonly syncFile?: SyncFile;
}

/**
 * The SQLite store: one better-sqlite3 connection, in WAL mode, with group commit.
 *
 * better-sqlite3 is synchronous: a COMMIT under synchronous=FULL blocks the main thread for
 * its fsync, which made the fsync most of what a step cost (milliseconds on a busy disk).
 * Two things change that, both inside this class:
 *
 * - Transactions and snapshots are not run when asked for but queued, and the queue runs
 *   as one group on the event loop's next turn (setImmediate: after the I/O callbacks that
 *   bring in more requests): one BEGIN IMMEDIATE, each unit of work between a SAVEPOINT and
 *   its RELEASE, one COMMIT for all. Requests arriving while a group runs wait for the next
 *   one, so groups grow with the load by themselves, and a lone request waits for nothing
 *   but the next turn. Units run one after another in the order they were asked for, each
 *   seeing what the earlier ones wrote, so per session every step, retry and conflict comes
 *   out as if committed alone; a unit that fails is rolled back to its savepoint and the
 *   others keep their changes.
 * - The fsync leaves the main thread: the connection runs with synchronous=NORMAL, and
 *   WalSync fdatasyncs the WAL on libuv's pool after the commits, one sync covering all the
 *   groups committed before it began. No unit is answered before a sync that began after
 *   its group's COMMIT has finished: an answered step survives a power loss, as under FULL.
 *   Reads are held back the same way, since they may have read what is not yet on the disk.
 *
 * Grouping alone, keeping FULL, still stopped the main thread for one fsync per group (a
 * third of its time went to COMMIT under 64 stepping jobs on a shared disk, whose fsyncs
 * took 2 to 12 ms); taking the fsync off the main thread answered 1.5 to 3 times as many
 * steps per second, measured side by side (README, "Durable steps at speed").
 *
 * A failure that ends the whole transaction (SQLite rolls back by itself on a full disk or
 * an I/O error) or a failed COMMIT fails every unit of its group; a failed sync fails its
 * waiters and stops the store (WalSync). Either way no unit of it had been answered.
 */
export class SqliteSessionStore implements SessionStore {
  private readonly statements: Statements;
  private readonly tx: SqliteTransaction;
  private readonly hot = new HotSessions(MAX_HOT_SESSIONS);
  private dataVersion: number;
  private readonly wal: WalSync;
  private changesSoFar: number;
  private queued: Unit[] = [];
  /** Set while groups are scheduled or running: a unit queued meanwhile joins the next one. */
  private running: Promise<void> | undefined;
  /** The last group's answers, given once it is durable. */
  private answered: Promise<void> = Promise.resolve();
  private readonly listeners: ChangeListener[] = [];

  constructor(
    private readonly db: Db,
    options: SqliteStoreOptions = {},
  ) {
    const inWal = db.pragma('journal_mode', { simple: true }) === 'wal';
    if (!db.memory && !inWal) throw new Error('the SQLite store needs the database in WAL mode');
    // WalSync does the per-commit sync FULL would do (see above).
    db.pragma('synchronous = NORMAL');
    db.pragma(`wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES}`);
    this.wal = new WalSync(inWal ? `${db.name}-wal` : undefined, options.syncFile);
    this.statements = prepareStatements(db);
    this.tx = new SqliteTransaction(this.statements, this.hot, new HistoryExtremes(db));
    this.dataVersion = this.statements.dataVersion.get() as number;
    this.changesSoFar = this.statements.totalChanges.get() as number;
  }

  async isReachable(): Promise<boolean> {
    if (this.wal.failure) return false;
    try {
      return this.statements.ping.get() !== undefined;
    } catch {
      return false;
    }
  }

  /** Changes that land together, or not at all, in the next group. */
  transaction<T>(work: (tx: SessionWrites) => Promise<T>): Promise<T> {
    return this.enqueue(work);
  }

  /** Reads that see one state of the database: what the earlier units of their group left. */
  snapshot<T>(work: (reads: SessionReads) => Promise<T>): Promise<T> {
    return this.enqueue(work);
  }

  /** incremental_vacuum (the database runs in auto_vacuum INCREMENTAL mode), as a unit of the next group. */
  freePages(pages: number): Promise<number> {
    return this.enqueue(async () => {
      this.db.pragma(`incremental_vacuum(${Math.max(1, Math.floor(pages))})`);
      return this.statements.freelistCount.get() as number;
    });
  }

  /**
   * One process has the file: a group's changes are told to the listeners when it is
   * durable, just before its units are answered, in commit order. Not at its COMMIT: a
   * watcher or a waiter would be shown a step that a power loss could still take back.
   */
  async listen(listener: ChangeListener): Promise<void> {
    this.listeners.push(listener);
  }

  /** Changes are told when their group is durable: settled once the last group committed is. */
  settled(): Promise<void> {
    return this.answered;
  }

  async close(): Promise<void> {
    while (this.running) await this.running;
    await this.answered;
    await this.wal.close();
    if (this.db.open) this.db.close();
  }

  private enqueue<T>(work: (tx: SqliteTransaction) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queued.push({ work, resolve: resolve as (value: unknown) => void, reject });
      this.running ??= this.runGroups();
    });
  }

  /**
   * Runs the queue group by group, each on a turn of its own, until it is empty. A group's
   * answers wait for its sync; the next group runs meanwhile.
   */
  private async runGroups(): Promise<void> {
    while (this.queued.length > 0) {
      await new Promise((resolve) => setImmediate(resolve));
      const group = this.queued.splice(0, MAX_GROUP_SIZE);
      if (this.wal.failure) this.settleWhenDurable(group, failAll(group, this.wal.failure));
      else await this.runGroup(group);
    }
    this.running = undefined;
  }

  /**
   * Tells the group's changes and answers its units once it is durable. Called in the same
   * synchronous stretch as the group's COMMIT, so that settled() called after the COMMIT
   * waits for this group too. Syncs finish in commit order: groups are told and answered in it.
   */
  private settleWhenDurable(group: readonly Unit[], result: GroupResult): void {
    this.answered = this.wal.durable().then(
      () => {
        for (const change of result.announced) for (const listener of this.listeners) listener.committed(change);
        answer(group, result.outcomes);
      },
      (error: unknown) => answer(group, failAll(group, error).outcomes),
    );
  }

  /** One transaction for the whole group; every unit fails if the transaction does. */
  private async runGroup(group: readonly Unit[]): Promise<void> {
    try {
      this.statements.begin.run();
    } catch (error) {
      this.settleWhenDurable(group, failAll(group, error));
      return;
    }
    const outcomes: Outcome[] = [];
    const announced: SessionChange[] = [];
    try {
      const dataVersion = this.statements.dataVersion.get() as number;
      if (dataVersion !== this.dataVersion) this.hot.clear();
      this.dataVersion = dataVersion;
      for (const unit of group) {
        this.statements.savepoint.run();
        this.hot.startUnit();
        this.tx.announced = [];
        try {
          const value = await unit.work(this.tx);
          this.statements.release.run();
          outcomes.push({ ok: true, value });
          announced.push(...this.tx.announced);
        } catch (error) {
          // Gone when SQLite rolled the whole transaction back by itself: then the group fails.
          if (!this.db.inTransaction) throw error;
          this.statements.rollbackTo.run();
          this.statements.release.run();
          this.hot.rolledBack();
          outcomes.push({ ok: false, error: asStoreError(error) });
        }
      }
      this.statements.commit.run();
    } catch (error) {
      if (this.db.open && this.db.inTransaction) this.db.exec('ROLLBACK');
      this.hot.clear();
      this.settleWhenDurable(group, failAll(group, error));
      return;
    }
    const changes = this.statements.totalChanges.get() as number;
    if (changes !== this.changesSoFar) this.wal.committed();
    this.changesSoFar = changes;
    this.settleWhenDurable(group, { outcomes, announced });
  }
}

function failAll(group: readonly Unit[], error: unknown): GroupResult {
  return { outcomes: group.map(() => ({ ok: false, error: asStoreError(error) })), announced: [] };
}

function answer(group: readonly Unit[], outcomes: readonly Outcome[]): void {
  group.forEach((unit, k) => {
    const outcome = outcomes[k] as Outcome;
    if (outcome.ok) unit.resolve(outcome.value);
    else unit.reject(outcome.error);
  });
}
