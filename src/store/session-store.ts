import { fromWire, toWire } from '../api/wire-numbers.js';
import type { SchedulerConfig } from '../schedulers/definition.js';
import type { ParamGroup } from '../schedulers/param-groups.js';
import type { Schedule } from '../schedulers/schedule.js';
import type { AuditLog } from './audit-log.js';
import type { Db } from './database.js';
import { HistoryExtremes, type BlockRun, type Candidate } from './history-extremes.js';

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

interface SessionRow {
  seq: number;
  id: string;
  project: string;
  key: string | null;
  name: string | null;
  metadata: string;
  param_groups: string;
  requested_with_references: string | null;
  scheduler: string;
  step: number;
  scheduler_state: string;
  groups: string;
  created_at: string;
  updated_at: string;
}

interface HistoryRow {
  step: number;
  recorded_at: string;
  actor: string | null;
  report: string | null;
  scheduler_state: string;
  groups: string;
}

// NaN and infinities survive the JSON columns as strings.
const encode = (value: unknown): string => JSON.stringify(toWire(value));
const decode = <T>(text: string): T => fromWire(JSON.parse(text)) as T;

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

function toSession(row: SessionRow): StoredSession {
  return {
    seq: row.seq,
    id: row.id,
    project: row.project,
    key: row.key,
    name: row.name,
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    param_groups: JSON.parse(row.param_groups) as ParamGroup[],
    requested_with_references: row.requested_with_references,
    step: row.step,
    schedule: {
      config: JSON.parse(row.scheduler) as SchedulerConfig,
      state: decode(row.scheduler_state),
      groups: decode<ParamGroup[]>(row.groups),
    },
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

function toHistoryEntry(row: HistoryRow): StoredHistoryEntry {
  return {
    step: row.step,
    recorded_at: row.recorded_at,
    actor: row.actor,
    report: row.report === null ? null : decode<StoredReport>(row.report),
    state: decode(row.scheduler_state),
    groups: decode<ParamGroup[]>(row.groups),
  };
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

/**
 * The SQL on sessions and their history, as prepared statements. Callers group calls with
 * `transaction`. A `project` of null means every project (an admin's view); otherwise
 * another project's sessions are simply not found.
 */
export class SessionStore {
  private readonly statements;
  private readonly extremes: HistoryExtremes;

  constructor(
    private readonly db: Db,
    /** Where rewinds and deletes are recorded, in the same transactions. */
    readonly audit: AuditLog,
  ) {
    this.extremes = new HistoryExtremes(db);
    this.statements = {
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
    };
  }

  /** Whether the database still answers a query (false once it is closed or unreadable). */
  isReachable(): boolean {
    try {
      return this.statements.ping.get() !== undefined;
    } catch {
      return false;
    }
  }

  /** Runs `work` in one IMMEDIATE transaction: all of it lands, or none of it. */
  transaction<T>(work: () => T): T {
    return this.db.transaction(work).immediate();
  }

  /** Runs reads in one DEFERRED transaction: they see one state of the database. */
  snapshot<T>(work: () => T): T {
    return this.db.transaction(work).deferred();
  }

  findById(id: string, project: string | null): StoredSession | undefined {
    const row = this.statements.byId.get({ id, project }) as SessionRow | undefined;
    return row && toSession(row);
  }

  /** Idempotency keys are unique within a project. */
  findByKey(project: string, key: string): StoredSession | undefined {
    const row = this.statements.byKey.get(project, key) as SessionRow | undefined;
    return row && toSession(row);
  }

  /** Inserts the session and its step-0 history row. */
  insert(session: NewSession): StoredSession {
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
    const { state, groups } = schedule;
    this.statements.insertHistory.run(seq, 0, session.at, session.actor, null, encode(state), encode(groups));
    return this.findById(session.id, session.project) as StoredSession;
  }

  /** At most `limit` sessions of a project (null: of every project), newest first, starting below `beforeSeq`; read lazily. */
  *newestFirst(
    project: string | null,
    limit: number,
    beforeSeq: number = Number.MAX_SAFE_INTEGER,
  ): Generator<StoredSession> {
    const rows =
      project === null
        ? this.statements.newestFirst.iterate(beforeSeq, limit)
        : this.statements.newestFirstInProject.iterate(project, beforeSeq, limit);
    for (const row of rows) yield toSession(row as SessionRow);
  }

  /** Marks the session deleted: no read finds it any more, and its key is free. False if there is none. */
  markDeleted(id: string, at: string): boolean {
    return this.statements.markDeleted.run(at, id).changes > 0;
  }

  /** The seq of the session marked deleted longest ago whose rows are still there. */
  oldestDeleted(): number | undefined {
    return this.statements.oldestDeleted.get() as number | undefined;
  }

  /** Deletes up to `rows` of the history extremes of a session marked deleted; answers how many. */
  deleteExtremesChunk(seq: number, rows: number): number {
    return this.extremes.deleteChunk(seq, rows);
  }

  /** Deletes up to `rows` history rows of a session marked deleted, newest first; answers how many. */
  deleteHistoryChunk(seq: number, rows: number): number {
    return this.statements.deleteHistoryChunk.run({ seq, rows }).changes;
  }

  /** Removes the row of a session marked deleted, once its history and extremes are gone. */
  purgeDeleted(seq: number): void {
    this.statements.purgeDeleted.run(seq);
  }

  /**
   * Gives up to `pages` free pages back to the operating system (the database runs in
   * auto_vacuum INCREMENTAL mode); answers how many free pages are left.
   */
  freePages(pages: number): number {
    this.db.pragma(`incremental_vacuum(${Math.max(1, Math.floor(pages))})`);
    return this.statements.freelistCount.get() as number;
  }

  /** Records one applied step: the session's new current schedule and its history row. */
  appendStep(
    session: StoredSession,
    schedule: Schedule,
    report: StoredReport,
    at: string,
    actor: string | null,
  ): void {
    const step = session.step + 1;
    const state = encode(schedule.state);
    const groups = encode(schedule.groups);
    this.statements.moveTo.run(step, state, groups, at, session.seq);
    this.statements.insertHistory.run(session.seq, step, at, actor, encode(report), state, groups);
    this.extremes.closeBlocksEndingAt(session.seq, step);
  }

  historyAt(session: StoredSession, step: number): StoredHistoryEntry | undefined {
    const row = this.statements.historyAt.get(session.seq, step) as HistoryRow | undefined;
    return row && toHistoryEntry(row);
  }

  /** At most `limit` steps after `afterStep`, oldest first; read lazily. */
  *historyAfter(session: StoredSession, afterStep: number, limit: number): Generator<StoredHistoryEntry> {
    for (const row of this.statements.historyAfter.iterate(session.seq, afterStep, limit)) {
      yield toHistoryEntry(row as HistoryRow);
    }
  }

  /** The history entries at these steps (those that exist), oldest first. */
  historyAtSteps(session: StoredSession, steps: readonly number[]): StoredHistoryEntry[] {
    const rows = this.statements.historyAtSteps.all(session.seq, JSON.stringify(steps)) as HistoryRow[];
    return rows.map(toHistoryEntry);
  }

  /** Candidates for the extremes of the plotted series over a run of steps or blocks (see history-extremes.ts). */
  extremeCandidates(session: StoredSession, run: BlockRun): Candidate[] {
    return this.extremes.candidates(session.seq, run);
  }

  /** Makes `entry` the session's current step again and forgets every step after it. */
  rewindTo(session: StoredSession, entry: StoredHistoryEntry, at: string): void {
    this.statements.dropHistoryAfter.run(session.seq, entry.step);
    this.extremes.dropAfter(session.seq, entry.step);
    this.statements.moveTo.run(entry.step, encode(entry.state), encode(entry.groups), at, session.seq);
  }
}
