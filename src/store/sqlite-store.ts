import type { Schedule } from '../schedulers/schedule.js';
import { KEY_COLUMNS, type NewKey, type StoredKey, type StoredProject } from './access-store.js';
import type { AuditEntry } from './audit-log.js';
import type { Db } from './database.js';
import { DatabaseUnavailable } from './errors.js';
import type { ParamGroup } from '../schedulers/param-groups.js';
import { closeBlocksEndingAt, HistoryExtremes, type BlockRun, type Candidate } from './history-extremes.js';
import { HotSessions } from './hot-sessions.js';
import { decode, encode, readsBackAsItself, toHistoryEntry, toSession, type HistoryRow, type SessionRow } from './rows.js';
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
import { WalSync, type SyncFile } from './wal-sync.js';

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
  /**
   * Counts the changes to projects and keys made on this connection, which its own
   * data_version does not show (see SqliteSessionStore.accessVersion). Counted when made,
   * inside the open group, rather than when committed or durable: a version read from then
   * on is already the new one, and a unit rolled back only costs a cache a needless miss.
   */
  accessChanges = 0;

  constructor(
    private readonly statements: Statements,
    private readonly hot: HotSessions,
    private readonly extremes: HistoryExtremes,
  ) {}

  async announce(change: SessionChange): Promise<void> {
    this.announced.push(change);
  }

  async findById(id: string, project: string | null): Promise<StoredSession | undefined> {
    // A session never changes project (and projects are never deleted): the hot entry tells as the row would.
    const hot = this.hot.get(id);
    if (hot) return project === null || hot.project === project ? hot : undefined;
    const row = this.statements.byId.get({ id, project }) as SessionRow | undefined;
    if (!row) return undefined;
    const session = toSession(row);
    this.hot.remember(session);
    return session;
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
  /** PRAGMA data_version when the last group began: another connection's commits move it. */
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

  /**
   * A single statement, run as a unit of the next group like a snapshot: it needs no
   * snapshot of its own, but nothing overtakes a transaction asked for before it, and it
   * is answered, like every unit, only once its group is durable.
   */
  lookup<T>(read: (reads: SessionReads) => Promise<T>): Promise<T> {
    return this.enqueue(read);
  }

  /**
   * This connection's own changes to projects and keys (counted by the transaction object
   * as they are made), and PRAGMA data_version, which moves when another connection commits
   * to the file and stays put for this connection's own commits (steps included, so a step
   * leaves a cache of keys as it was). Why that is enough under group commit:
   *
   * - There is no older snapshot to read it in. Every unit runs inside its group's
   *   BEGIN IMMEDIATE, which holds the file's write lock, so read between groups or while
   *   one is open, the pragma sees the file as it is: nobody else can commit while a group
   *   is open. (Read-only DEFERRED transactions, whose snapshot may be older, are gone.)
   * - This connection's key and project changes move the count inside the open group,
   *   before its COMMIT and its sync: a version read after a change is already the new one,
   *   whether the change will commit, roll back (a needless miss) or become durable later.
   * - A cache keeps only what it read through lookup(), under a version read before asking:
   *   the next version that differs drops it. And a lookup is answered only once its group is
   *   durable: after a sync that began after its COMMIT, which also covers what its group read
   *   of other connections' commits (runGroup). So nothing kept can be taken back by a power
   *   loss, even when the version it is kept under was read before a sync had finished.
   * - Undefined, so that nothing is kept, once a sync has failed (what the disk holds is
   *   unknown, and the store refuses all work) or when the connection is closed or busy.
   */
  accessVersion(): AccessVersion | undefined {
    if (this.wal.failure || !this.db.open) return undefined;
    try {
      return `${this.tx.accessChanges}:${this.statements.dataVersion.get() as number}`;
    } catch {
      return undefined; // busy iterating a listing, or locked during a recovery: read the database instead
    }
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

  /** Every change is told to this process's listeners: nothing to mark. */
  async markWatched(): Promise<() => void> {
    return () => {};
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
    let othersCommitted: boolean;
    try {
      const dataVersion = this.statements.dataVersion.get() as number;
      othersCommitted = dataVersion !== this.dataVersion;
      if (othersCommitted) this.hot.clear();
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
    // Another connection committed since the last group (another service process, which
    // syncs after its COMMIT as this one does, or `npm run keys`): what this group read of
    // that may not be on the disk yet, so it waits for a sync as if it had written it. The
    // WAL is one file: syncing it flushes their frames, written before this group began, too.
    const changes = this.statements.totalChanges.get() as number;
    if (changes !== this.changesSoFar || othersCommitted) this.wal.committed();
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
