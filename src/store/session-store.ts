import type { Schedule } from '../schedulers/schedule.js';
import type { ParamGroup } from '../schedulers/param-groups.js';
import type { SessionChange } from '../sessions/session-changes.js';
import type { AccessReads, AccessWrites } from './access-store.js';
import type { AuditEntry } from './audit-log.js';
import type { BlockRun, Candidate } from './history-extremes.js';

/**
 * What the use cases ask of a database, whichever it is: SQLite in one process
 * (sqlite-store.ts) or PostgreSQL shared by any number of replicas (postgres-store.ts).
 * Every call is asynchronous, and every use case runs its calls inside one `transaction`
 * (changes) or one `snapshot` (reads): all of it lands, or none of it. Projects, keys and
 * the audit log live in the same database (access-store.ts, audit-log.ts), so that a
 * change and the audit row recording it commit together.
 *
 * A `project` of null means every project (an admin's view); otherwise another project's
 * sessions are simply not found.
 */

/** A session as stored: its identity, its config and the schedule after its last step. */
export interface StoredSession {
  readonly seq: number;
  readonly id: string;
  readonly project: string;
  readonly key: string | null;
  readonly name: string | null;
  readonly metadata: Record<string, unknown>;
  readonly param_groups: readonly ParamGroup[];
  /** Canonical JSON of the param_groups and scheduler as sent, when they named a range test. */
  readonly requested_with_references: string | null;
  readonly step: number;
  readonly schedule: Schedule;
  readonly created_at: string;
  readonly updated_at: string;
}

/** What a step reported, in the form the history keeps (numbers may be NaN or infinite). */
export interface StoredReport {
  readonly metric?: number;
  readonly metrics?: Record<string, number>;
  readonly epoch?: number;
}

export interface StoredHistoryEntry {
  readonly step: number;
  readonly recorded_at: string;
  /** Caller.actor of whoever made this step (step 0: created the session). */
  readonly actor: string | null;
  readonly report: StoredReport | null;
  readonly state: unknown;
  readonly groups: readonly ParamGroup[];
}

export interface NewSession {
  readonly id: string;
  readonly project: string;
  readonly key: string | null;
  readonly name: string | null;
  readonly metadata: Record<string, unknown>;
  readonly param_groups: readonly ParamGroup[];
  readonly requested_with_references: string | null;
  readonly schedule: Schedule;
  readonly at: string;
  readonly actor: string | null;
}

/** The widest a double is written in JSON: -2.2250738585072014e-308 (quoted, as a stand-in). */
const WIDEST_NUMBER = '-2.2250738585072014e-308';

/**
 * The most bytes a schedule's state and groups can take in a history row at any step: the
 * JSON with every number at its widest. Steps change numbers, never the structure.
 */
export function widestScheduleBytes(schedule: Schedule): number {
  const widest = (_key: string, value: unknown) => (typeof value === 'number' ? WIDEST_NUMBER : value);
  return (
    Buffer.byteLength(JSON.stringify(schedule.state, widest)) + Buffer.byteLength(JSON.stringify(schedule.groups, widest))
  );
}

/** Reads, all seeing one state of the database. */
export interface SessionReads extends AccessReads {
  /** The session with this id in `project` (null: in any project). */
  findById(id: string, project: string | null): Promise<StoredSession | undefined>;
  /** Idempotency keys are unique within a project. */
  findByKey(project: string, key: string): Promise<StoredSession | undefined>;
  /** At most `limit` sessions of a project (null: of every project), newest first, starting below `beforeSeq`; read lazily. */
  newestFirst(project: string | null, limit: number, beforeSeq?: number): AsyncIterable<StoredSession>;
  historyAt(session: StoredSession, step: number): Promise<StoredHistoryEntry | undefined>;
  /** At most `limit` steps after `afterStep`, oldest first; read lazily. */
  historyAfter(session: StoredSession, afterStep: number, limit: number): AsyncIterable<StoredHistoryEntry>;
  /** The history entries at these steps (those that exist), oldest first. */
  historyAtSteps(session: StoredSession, steps: readonly number[]): Promise<StoredHistoryEntry[]>;
  /** Candidates for the extremes of the plotted series over a run of steps or blocks (see history-extremes.ts). */
  extremeCandidates(session: StoredSession, run: BlockRun): Promise<Candidate[]>;
}

/** Reads and changes inside one transaction. */
export interface SessionWrites extends SessionReads, AccessWrites {
  /**
   * The session with this id in `project` (null: in any project), held for this
   * transaction: any other transaction that holds it too (a step, a rewind, a delete,
   * through any replica) waits until this one has ended, and then reads what this one left.
   */
  holdById(id: string, project: string | null): Promise<StoredSession | undefined>;
  /**
   * Inserts the session and its step-0 history row. Undefined, inserting nothing, when
   * another transaction took its key in its project meanwhile: findByKey then finds that session.
   */
  insert(session: NewSession): Promise<StoredSession | undefined>;
  /** Marks the session deleted: no read finds it any more, and its key is free. False if there is none. */
  markDeleted(id: string, at: string): Promise<boolean>;
  /** The seq of the session marked deleted longest ago whose rows are still there. */
  oldestDeleted(): Promise<number | undefined>;
  /** Deletes up to `rows` of the history extremes of a session marked deleted; answers how many. */
  deleteExtremesChunk(seq: number, rows: number): Promise<number>;
  /** Deletes up to `rows` history rows of a session marked deleted, newest first; answers how many. */
  deleteHistoryChunk(seq: number, rows: number): Promise<number>;
  /** Removes the row of a session marked deleted, once its history and extremes are gone. */
  purgeDeleted(seq: number): Promise<void>;
  /** Records one applied step of a held session: its new current schedule, its history row (made by `actor`), the extremes blocks it completes. */
  appendStep(session: StoredSession, schedule: Schedule, report: StoredReport, at: string, actor: string | null): Promise<void>;
  /** Makes `entry` the held session's current step again and forgets every step after it. */
  rewindTo(session: StoredSession, entry: StoredHistoryEntry, at: string): Promise<void>;
  /**
   * Tells every listener (ChangeListener), in this process and, on PostgreSQL, in every
   * replica, of `change` once this transaction has committed; nothing if it rolls back.
   * On PostgreSQL only while some replica marks the session watched (markWatched) when
   * this transaction holds it; otherwise nobody needs to hear, and nothing is sent.
   */
  announce(change: SessionChange): Promise<void>;
  /** Adds an entry to the audit log, committed with the change it records. */
  recordAudit(entry: AuditEntry): Promise<void>;
}

/** Told what transactions announced, once they committed. */
export interface ChangeListener {
  /** A committed change, in commit order (one session's changes at least). */
  committed(change: SessionChange): void;
  /**
   * Changes may have been missed (PostgreSQL's listening connection was lost, and is back):
   * whoever waits on them reads the database again.
   */
  missedSome(): void;
}

/** See SessionStore.accessVersion: only compared, never read. */
export type AccessVersion = string;

export interface SessionStore {
  /** Runs `work` as one transaction: it commits once `work` resolves, and is rolled back if it rejects. */
  transaction<T>(work: (tx: SessionWrites) => Promise<T>): Promise<T>;
  /** Runs reads that see one state of the database. */
  snapshot<T>(work: (reads: SessionReads) => Promise<T>): Promise<T>;
  /**
   * Runs one read of a single statement, which needs no snapshot to agree with itself, as
   * cheaply as the store can: PostgreSQL sends it alone, without BEGIN and COMMIT (one round
   * trip instead of three); SQLite runs it in turn like a snapshot. Work of more than one
   * statement belongs in `snapshot`: here its statements might see different states.
   */
  lookup<T>(read: (reads: SessionReads) => Promise<T>): Promise<T>;
  /**
   * A value that changes whenever projects or keys may have changed, by whomever, since it
   * was last answered; undefined when the store cannot tell (then nothing read of them may
   * be kept). Synchronous and cheap, so that a cache of keys (access/known-keys.ts) can
   * check it before every use and read the database only when it changed. PostgreSQL
   * replicas cannot tell what other replicas changed without asking: always undefined there.
   */
  accessVersion(): AccessVersion | undefined;
  /**
   * Gives up to `pages` free pages back to the operating system, outside any transaction;
   * answers how many free pages are left. (SQLite's incremental_vacuum; PostgreSQL's own
   * autovacuum does this, so there it answers 0.)
   */
  freePages(pages: number): Promise<number>;
  /**
   * Starts telling `listener` of committed changes; resolves once every change committed
   * from now on will reach it (on PostgreSQL: of the sessions watched, see markWatched).
   */
  listen(listener: ChangeListener): Promise<void>;
  /**
   * Makes sure that every change of this session committed after this resolves reaches
   * the listener, until the returned function is called; a watcher or waiter calls it
   * before it reads the session. PostgreSQL replicas notify each other only of sessions
   * some replica marks so (a lease in the database, renewed while marked, lapsing when
   * the replica dies); SQLite tells its one process of every change anyway. A session
   * not found in `project` (null: in any) is not marked.
   */
  markWatched(sessionId: string, project: string | null): Promise<() => void>;
  /**
   * Resolves once every change committed before the call has been told to the listener
   * (on PostgreSQL notices arrive a moment after their commit), so that a reader who
   * subscribed before can tell what it has been told from what it is about to read.
   */
  settled(): Promise<void>;
  /** Whether the database answers a query now (false once it is closed, unreachable or unreadable). */
  isReachable(): Promise<boolean>;
  /** Closes the database; the caller makes sure no transaction is still running. */
  close(): Promise<void>;
}
