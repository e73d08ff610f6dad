import type { Db } from './database.js';

/**
 * The pyramid of bucket extremes behind downsampled history (migrations/003): for each
 * aligned block of 16^level steps, each plotted series' lowest and highest value and
 * the earliest step holding each. Level 0 stands for the steps themselves.
 */
export const BLOCK_SIZES = [1, 16, 256, 4_096, 65_536, 1_048_576] as const;
export const TOP_LEVEL = BLOCK_SIZES.length - 1;
const STORED_LEVELS = BLOCK_SIZES.map((_, level) => level).filter((level) => level > 0);

/** Steps `first`..`last` as whole blocks of one level (both ends aligned to its block size). */
export interface BlockRun {
  readonly level: number;
  readonly first: number;
  readonly last: number;
}

/** A value that may be an extreme: one series' value at one step. */
export interface Candidate {
  readonly step: number;
  readonly series: string;
  readonly value: number;
}

export function blockSize(level: number): number {
  const size = BLOCK_SIZES[level];
  if (size === undefined) throw new RangeError(`no block level ${level}`);
  return size;
}

/**
 * Steps `first`..`last` as few blocks as the pyramid allows: on each level, the blocks
 * up to the next boundary of the level above, from both ends inwards. A range of n
 * steps takes at most 2 runs per level, each of fewer than 2 × 16 blocks.
 */
export function coveringRuns(first: number, last: number): BlockRun[] {
  const runs: BlockRun[] = [];
  // Half-open [start, end), aligned to the current level's block size.
  let start = first;
  let end = last + 1;
  for (let level = 0; start < end; level++) {
    if (level === TOP_LEVEL) {
      runs.push({ level, first: start, last: end - 1 });
      break;
    }
    const up = blockSize(level + 1);
    const upStart = Math.ceil(start / up) * up;
    const upEnd = Math.floor(end / up) * up;
    if (upStart >= upEnd) {
      runs.push({ level, first: start, last: end - 1 });
      break;
    }
    if (start < upStart) runs.push({ level, first: start, last: upStart - 1 });
    if (upEnd < end) runs.push({ level, first: upEnd, last: end - 1 });
    start = upStart;
    end = upEnd;
  }
  return runs;
}

export interface SeriesExtremes {
  min: Candidate;
  max: Candidate;
}

/** Adds a candidate to per-series extremes: the lower or higher value wins; on a tie, the earlier step. */
export function keepExtremes(extremes: Map<string, SeriesExtremes>, candidate: Candidate): void {
  const seen = extremes.get(candidate.series);
  if (!seen) {
    extremes.set(candidate.series, { min: candidate, max: candidate });
    return;
  }
  const { value, step } = candidate;
  if (value < seen.min.value || (value === seen.min.value && step < seen.min.step)) seen.min = candidate;
  if (value > seen.max.value || (value === seen.max.value && step < seen.max.step)) seen.max = candidate;
}

/** A block as stored: a series' extremes over 16^level steps. */
export interface BlockRow {
  series: string;
  min_step: number;
  min_value: number;
  max_step: number;
  max_value: number;
}

/** Candidates from a level's stored blocks: each block's two extremes. */
export function blockCandidates(rows: readonly BlockRow[]): Candidate[] {
  return rows.flatMap((row) => [
    { step: row.min_step, series: row.series, value: row.min_value },
    { step: row.max_step, series: row.series, value: row.max_value },
  ]);
}

/** The pyramid's reads and writes, as each store runs them. */
export interface ExtremesTable {
  /** The candidates for the extremes of a run: each step's values (level 0), or each block's two extremes. */
  candidates(seq: number, run: BlockRun): Promise<Candidate[]>;
  insertBlock(seq: number, level: number, lastStep: number, series: string, extremes: SeriesExtremes): Promise<void>;
}

/**
 * Writes the blocks that `step` completes: level 1 from its 16 steps, each level above
 * from the 16 blocks below. Fifteen steps in sixteen complete none and pay one modulo.
 */
export async function closeBlocksEndingAt(table: ExtremesTable, seq: number, step: number): Promise<void> {
  for (let level = 1; level <= TOP_LEVEL && (step + 1) % blockSize(level) === 0; level++) {
    const extremes = new Map<string, SeriesExtremes>();
    const below = { level: level - 1, first: step + 1 - blockSize(level), last: step };
    for (const candidate of await table.candidates(seq, below)) keepExtremes(extremes, candidate);
    for (const [series, found] of extremes) await table.insertBlock(seq, level, step, series, found);
  }
}

/** The levels stored (level 0, the steps themselves, is the history). */
export const STORED_LEVEL_LIST = STORED_LEVELS.join(', ');

/** SQLite's statements of the pyramid (migrations/006); PostgreSQL's are in postgres-store.ts. */
export class HistoryExtremes implements ExtremesTable {
  private readonly statements;

  constructor(db: Db) {
    this.statements = {
      insert: db.prepare(`
        INSERT INTO history_extremes (session_seq, level, last_step, series, min_step, min_value, max_step, max_value)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
      dropAfter: db.prepare(`
        DELETE FROM history_extremes
        WHERE session_seq = ? AND level IN (${STORED_LEVEL_LIST}) AND last_step > ?`),
      // NaN is NULL in the view: never an extreme.
      points: db.prepare(`
        SELECT step, series, value FROM history_points
        WHERE session_seq = ? AND step BETWEEN ? AND ? AND value IS NOT NULL`),
      blocks: db.prepare(`
        SELECT series, min_step, min_value, max_step, max_value FROM history_extremes
        WHERE session_seq = ? AND level = ? AND last_step BETWEEN ? AND ?`),
      deleteChunk: db.prepare(`
        DELETE FROM history_extremes
        WHERE session_seq = @seq
          AND (level, last_step, series) IN (
            SELECT level, last_step, series FROM history_extremes WHERE session_seq = @seq LIMIT @rows)`),
    };
  }

  async insertBlock(seq: number, level: number, lastStep: number, series: string, { min, max }: SeriesExtremes): Promise<void> {
    this.statements.insert.run(seq, level, lastStep, series, min.step, min.value, max.step, max.value);
  }

  /** Deletes up to `rows` of a session's blocks (a deleted session's, in chunks); answers how many. */
  deleteChunk(seq: number, rows: number): number {
    return this.statements.deleteChunk.run({ seq, rows }).changes;
  }

  /** Forgets the blocks that reach past `step` (a rewind to it). */
  dropAfter(seq: number, step: number): void {
    this.statements.dropAfter.run(seq, step);
  }

  async candidates(seq: number, run: BlockRun): Promise<Candidate[]> {
    if (run.level === 0) return this.statements.points.all(seq, run.first, run.last) as Candidate[];
    // A block is keyed by its last step.
    const size = blockSize(run.level);
    return blockCandidates(this.statements.blocks.all(seq, run.level, run.first + size - 1, run.last) as BlockRow[]);
  }
}
