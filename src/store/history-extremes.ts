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

/** SQL: per series, the earliest step holding the lowest and the highest value among `candidates` (step, series, value). */
const earliestExtremes = (candidates: string): string => `
  SELECT series, min_step, min_value, max_step, max_value FROM (
    SELECT series,
           first_value(step)  OVER lowest  AS min_step,
           first_value(value) OVER lowest  AS min_value,
           first_value(step)  OVER highest AS max_step,
           first_value(value) OVER highest AS max_value,
           row_number() OVER lowest AS rank
    FROM (${candidates})
    WHERE value IS NOT NULL
    WINDOW lowest  AS (PARTITION BY series ORDER BY value, step),
           highest AS (PARTITION BY series ORDER BY value DESC, step))
  WHERE rank = 1`;

const pointsBetween = `
  SELECT step, series, value FROM history_points
  WHERE session_seq = @seq AND step BETWEEN @first AND @last`;

/** Both extremes of every block of one level whose last step lies in @first..@last, as candidates. */
const blockCandidatesBetween = `
  SELECT min_step AS step, series, min_value AS value FROM history_extremes
  WHERE session_seq = @seq AND level = @level AND last_step BETWEEN @first AND @last
  UNION ALL
  SELECT max_step, series, max_value FROM history_extremes
  WHERE session_seq = @seq AND level = @level AND last_step BETWEEN @first AND @last`;

const insertBlock = (candidates: string): string => `
  INSERT INTO history_extremes (session_seq, level, last_step, series, min_step, min_value, max_step, max_value)
  SELECT @seq, @block_level, @last, series, min_step, min_value, max_step, max_value
  FROM (${earliestExtremes(candidates)})`;

interface BlockRow {
  series: string;
  min_step: number;
  min_value: number;
  max_step: number;
  max_value: number;
}

/** The pyramid's statements: kept up to date by appends and rewinds, read by downsampled history. */
export class HistoryExtremes {
  private readonly statements;

  constructor(db: Db) {
    this.statements = {
      closeFromPoints: db.prepare(insertBlock(pointsBetween)),
      closeFromBlocks: db.prepare(insertBlock(blockCandidatesBetween)),
      dropAfter: db.prepare(`
        DELETE FROM history_extremes
        WHERE session_seq = ? AND level IN (${STORED_LEVELS.join(', ')}) AND last_step > ?`),
      points: db.prepare(`${pointsBetween} AND value IS NOT NULL`),
      blocks: db.prepare(`
        SELECT series, min_step, min_value, max_step, max_value FROM history_extremes
        WHERE session_seq = @seq AND level = @level AND last_step BETWEEN @first AND @last`),
    };
  }

  /**
   * Writes the blocks that `step` completes: level 1 from its 16 steps, each level above
   * from the 16 blocks below. Fifteen steps in sixteen complete none and pay one modulo.
   */
  closeBlocksEndingAt(seq: number, step: number): void {
    for (let level = 1; level <= TOP_LEVEL && (step + 1) % blockSize(level) === 0; level++) {
      const below = { seq, block_level: level, first: step + 1 - blockSize(level), last: step };
      if (level === 1) this.statements.closeFromPoints.run(below);
      else this.statements.closeFromBlocks.run({ ...below, level: level - 1 });
    }
  }

  /** Forgets the blocks that reach past `step` (a rewind to it). */
  dropAfter(seq: number, step: number): void {
    this.statements.dropAfter.run(seq, step);
  }

  /** The candidates for the extremes of a run: each step's values, or each block's two extremes. */
  candidates(seq: number, run: BlockRun): Candidate[] {
    if (run.level === 0) {
      return this.statements.points.all({ seq, first: run.first, last: run.last }) as Candidate[];
    }
    // A block is keyed by its last step.
    const size = blockSize(run.level);
    const rows = this.statements.blocks.all({
      seq,
      level: run.level,
      first: run.first + size - 1,
      last: run.last,
    }) as BlockRow[];
    return rows.flatMap((row) => [
      { step: row.min_step, series: row.series, value: row.min_value },
      { step: row.max_step, series: row.series, value: row.max_value },
    ]);
  }
}
