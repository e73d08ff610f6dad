import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OPEN_MODE_CALLER } from '../../src/access/caller.js';
import { deleteSession } from '../../src/sessions/delete-session.js';
import { DeletionSweeper } from '../../src/sessions/deletion-sweeper.js';
import { rewindSession } from '../../src/sessions/rewind-session.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { blockSize, coveringRuns, TOP_LEVEL } from '../../src/store/history-extremes.js';
import { SqliteSessionStore } from '../../src/store/sqlite-store.js';
import { temporaryDatabases } from '../support/app.js';
import { bumpyReports, cyclingSession, recordSession } from '../support/recorded-history.js';

const databaseFile = temporaryDatabases();

const allExtremes = (db: Db) =>
  db.prepare('SELECT * FROM history_extremes ORDER BY session_seq, level, last_step, series').all() as { session_seq: number; level: number }[];
const seqOf = (db: Db, id: string) => db.prepare('SELECT seq FROM sessions WHERE id = ?').pluck().get(id) as number;
const NOW = '2026-01-01T00:00:00.000Z';

describe('coveringRuns', () => {
  it('covers a range exactly with aligned runs of blocks, at most two per level', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 36 }), fc.integer({ min: 1, max: 2 ** 28 }), (first, length) => {
        const last = first + length - 1;
        const runs = coveringRuns(first, last).sort((a, b) => a.first - b.first);
        expect(runs[0]!.first).toBe(first);
        expect(runs.at(-1)!.last).toBe(last);
        runs.forEach((run, i) => {
          const size = blockSize(run.level);
          expect(run.first % size).toBe(0);
          expect((run.last + 1) % size).toBe(0);
          if (run.level < TOP_LEVEL) expect((run.last + 1 - run.first) / size).toBeLessThan(2 * blockSize(1));
          if (i > 0) expect(run.first).toBe(runs[i - 1]!.last + 1);
        });
        for (let level = 0; level <= TOP_LEVEL; level++) {
          expect(runs.filter((run) => run.level === level).length).toBeLessThanOrEqual(2);
        }
      }),
    );
  });
});

describe('the pyramid of history extremes', () => {
  it('built by migration 006 from an existing history equals the one appends and rewinds maintain, and skips deleted sessions', async () => {
    const path = databaseFile();
    const db = openDatabase(path);
    const store = new SqliteSessionStore(db);
    await recordSession(store, cyclingSession, 5_000, bumpyReports(1));
    const rewound = await recordSession(store, cyclingSession, 4_500, bumpyReports(2));
    await rewindSession(store, OPEN_MODE_CALLER, rewound, 1_234, NOW);
    await recordSession(store, { param_groups: [{ lr: 1 }], scheduler: { type: 'ExponentialLR', gamma: 0.999 } }, 300, () => ({}));
    // Marked deleted, not swept yet: the sweeper is on its way, so the migration builds it nothing.
    const deleted = await recordSession(store, cyclingSession, 600, bumpyReports(5));
    await deleteSession(store, OPEN_MODE_CALLER, deleted, NOW);
    const maintained = allExtremes(db).filter((row) => row.session_seq !== seqOf(db, deleted));
    expect(new Set(maintained.map((row) => row.level))).toEqual(new Set([1, 2, 3]));

    // The database as it was before migration 006: after 003 (STRICT tables), 004 and 005 (deletion marks).
    db.exec(`DROP TABLE history_extremes; DROP VIEW history_points; DELETE FROM schema_migrations WHERE version = 6`);
    db.close();
    const migrated = openDatabase(path);
    expect(allExtremes(migrated)).toEqual(maintained);
    migrated.close();
  });

  it('goes with its session when the sweeper removes a deleted one', async () => {
    const db = openDatabase(databaseFile());
    const store = new SqliteSessionStore(db);
    const kept = await recordSession(store, cyclingSession, 300, bumpyReports(3));
    const deleted = await recordSession(store, cyclingSession, 300, bumpyReports(4));
    const rowsOf = (seq: number) => db.prepare('SELECT count(*) FROM history_extremes WHERE session_seq = ?').pluck().get(seq);
    const [keptSeq, deletedSeq] = [seqOf(db, kept), seqOf(db, deleted)];
    const keptRows = rowsOf(keptSeq);
    expect(rowsOf(deletedSeq)).toBeGreaterThan(0);
    await deleteSession(store, OPEN_MODE_CALLER, deleted, NOW);
    const sweeper = new DeletionSweeper(store, { failed: (error) => expect.unreachable(String(error)) });
    sweeper.wake();
    await sweeper.idle();
    expect(rowsOf(deletedSeq)).toBe(0);
    expect(db.prepare('SELECT count(*) FROM sessions WHERE seq = ?').pluck().get(deletedSeq)).toBe(0);
    expect(rowsOf(keptSeq)).toBe(keptRows);
    db.close();
  });
});
