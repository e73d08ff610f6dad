import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rewindSession } from '../../src/sessions/rewind-session.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { blockSize, coveringRuns, TOP_LEVEL } from '../../src/store/history-extremes.js';
import { SessionStore } from '../../src/store/session-store.js';
import { temporaryDatabases } from '../support/app.js';
import { bumpyReports, cyclingSession, recordSession } from '../support/recorded-history.js';

const databaseFile = temporaryDatabases();

const allExtremes = (db: Db) =>
  db.prepare('SELECT * FROM history_extremes ORDER BY session_seq, level, last_step, series').all();

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
  it('built by migration 003 from an existing history equals the one appends and rewinds maintain', () => {
    const path = databaseFile();
    const db = openDatabase(path);
    const store = new SessionStore(db);
    recordSession(store, cyclingSession, 5_000, bumpyReports(1));
    const rewound = recordSession(store, cyclingSession, 4_500, bumpyReports(2));
    rewindSession(store, rewound, 1_234, new Date().toISOString());
    recordSession(store, { param_groups: [{ lr: 1 }], scheduler: { type: 'ExponentialLR', gamma: 0.999 } }, 300, () => ({}));
    const maintained = allExtremes(db);
    expect(new Set(maintained.map((row: any) => row.level))).toEqual(new Set([1, 2, 3]));

    // The database as it was before migration 003.
    db.exec(`DROP TABLE history_extremes; DROP VIEW history_points; DELETE FROM schema_migrations WHERE version = 3`);
    db.close();
    const migrated = openDatabase(path);
    expect(allExtremes(migrated)).toEqual(maintained);
    migrated.close();
  });

  it('goes with its session when the session is deleted', () => {
    const db = openDatabase(databaseFile());
    const store = new SessionStore(db);
    const kept = recordSession(store, cyclingSession, 300, bumpyReports(3));
    const deleted = recordSession(store, cyclingSession, 300, bumpyReports(4));
    const rowsOf = (id: string) =>
      db.prepare('SELECT count(*) FROM history_extremes e JOIN sessions s ON s.seq = e.session_seq WHERE s.id = ?').pluck().get(id);
    const keptRows = rowsOf(kept);
    expect(rowsOf(deleted)).toBeGreaterThan(0);
    expect(store.delete(deleted)).toBe(true);
    const orphans = db.prepare('SELECT count(*) FROM history_extremes WHERE session_seq NOT IN (SELECT seq FROM sessions)');
    expect(orphans.pluck().get()).toBe(0);
    expect(rowsOf(kept)).toBe(keptRows);
    db.close();
  });
});
