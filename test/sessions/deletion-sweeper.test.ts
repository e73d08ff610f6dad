import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OPEN_MODE_CALLER } from '../../src/access/caller.js';
import { sessionInputSchema } from '../../src/api/sessions.js';
import { createSession } from '../../src/sessions/create-session.js';
import { deleteSession } from '../../src/sessions/delete-session.js';
import { DeletionSweeper } from '../../src/sessions/deletion-sweeper.js';
import { stepSession } from '../../src/sessions/step-session.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { SqliteSessionStore } from '../../src/store/sqlite-store.js';
import { tempDir } from '../support/app.js';

let db: Db;
let store: SqliteSessionStore;
beforeEach(() => {
  db = openDatabase(':memory:');
  store = new SqliteSessionStore(db);
});
afterEach(() => {
  if (db.open) db.close();
});

const NOW = '2026-01-01T00:00:00.000Z';

/** A session made by the use cases, with `steps` steps of `groups` groups. */
async function session(steps: number, groups = 4): Promise<{ id: string; seq: number }> {
  const input = sessionInputSchema.parse({
    param_groups: Array.from({ length: groups }, (_, i) => ({ lr: 0.1 + i, momentum: 0.9 })),
    scheduler: { type: 'CosineAnnealingLR', T_max: 50 },
  });
  const { session: created } = await createSession(store, OPEN_MODE_CALLER, input, NOW);
  for (let i = 0; i < steps; i++) await stepSession(store, OPEN_MODE_CALLER, created.id, { metric: i }, NOW);
  return { id: created.id, seq: created.seq };
}

const rowsOf = (seq: number) => ({
  sessions: db.prepare('SELECT count(*) FROM sessions WHERE seq = ?').pluck().get(seq) as number,
  history: db.prepare('SELECT count(*) FROM history WHERE session_seq = ?').pluck().get(seq) as number,
  extremes: db.prepare('SELECT count(*) FROM history_extremes WHERE session_seq = ?').pluck().get(seq) as number,
});
const GONE = { sessions: 0, history: 0, extremes: 0 };

function sweeper(swept: number[] = [], failures: unknown[] = []) {
  return new DeletionSweeper(store, { swept: ({ seq }) => swept.push(seq), failed: (error) => failures.push(error) });
}

describe('DeletionSweeper', () => {
  it("removes every deleted session's history and row, leaves the others, and gives the pages back", async () => {
    const [a, b, kept] = [await session(300), await session(50), await session(20)];
    const pagesBefore = db.pragma('page_count', { simple: true }) as number;
    await deleteSession(store, OPEN_MODE_CALLER, a.id, NOW);
    await deleteSession(store, OPEN_MODE_CALLER, b.id, NOW);
    const swept: number[] = [];
    const sweeping = sweeper(swept);
    sweeping.wake();
    await sweeping.idle();
    expect(swept).toEqual([a.seq, b.seq]);
    expect(rowsOf(a.seq)).toEqual(GONE);
    expect(rowsOf(b.seq)).toEqual(GONE);
    // Steps 0 to 15 make a block: its extremes of 4 lrs and the metric.
    expect(rowsOf(kept.seq)).toEqual({ sessions: 1, history: 21, extremes: 5 });
    expect(db.pragma('freelist_count', { simple: true })).toBe(0);
    expect(db.pragma('page_count', { simple: true })).toBeLessThan(pagesBefore / 2);
  });

  it('sweeps a session deleted while it sweeps another, in the same run', async () => {
    const [a, b] = [await session(400), await session(10)];
    await deleteSession(store, OPEN_MODE_CALLER, a.id, NOW);
    const swept: number[] = [];
    const sweeping = sweeper(swept);
    sweeping.wake();
    await new Promise((resolve) => setImmediate(resolve));
    await deleteSession(store, OPEN_MODE_CALLER, b.id, NOW);
    sweeping.wake();
    await sweeping.idle();
    expect(swept).toEqual([a.seq, b.seq]);
    expect(rowsOf(b.seq)).toEqual(GONE);
  });

  it('stops between chunks, leaving the session deleted, and a later sweeper finishes it', async () => {
    const a = await session(2000, 1);
    await deleteSession(store, OPEN_MODE_CALLER, a.id, NOW);
    const before = rowsOf(a.seq);
    const first = sweeper();
    first.wake();
    // Stopped once it has swept a chunk or more (each chunk is a transaction of its own).
    while (rowsOf(a.seq).history === 2001) await new Promise((resolve) => setImmediate(resolve));
    await first.stop();
    const left = rowsOf(a.seq);
    expect(left.sessions).toBe(1);
    expect(left.history + left.extremes).toBeGreaterThan(0);
    expect(left.history + left.extremes).toBeLessThan(before.history + before.extremes);
    expect(await store.snapshot((reads) => reads.findById(a.id, null))).toBeUndefined();
    first.wake(); // stopped: does nothing
    expect(rowsOf(a.seq)).toEqual(left);

    const next = sweeper();
    next.wake();
    await next.idle();
    expect(rowsOf(a.seq)).toEqual(GONE);
  });

  it('reports a failure (another connection holding the write lock) and tries again on the next wake', async () => {
    const { dir, remove } = tempDir();
    try {
      const path = join(dir, 'lrsched.db');
      openDatabase(path).close();
      // No busy timeout: the chunk fails at once instead of waiting for the lock.
      db.close();
      db = new Database(path, { timeout: 0 });
      store = new SqliteSessionStore(db);
      const a = await session(10);
      await deleteSession(store, OPEN_MODE_CALLER, a.id, NOW);
      const other = new Database(path);
      other.prepare('BEGIN IMMEDIATE').run();
      const failures: unknown[] = [];
      const sweeping = sweeper([], failures);
      sweeping.wake();
      await sweeping.idle();
      expect(failures).toHaveLength(1);
      expect(failures[0]).toMatchObject({ name: 'DatabaseUnavailable', cause: { code: 'SQLITE_BUSY' } });
      expect(rowsOf(a.seq)).toEqual({ sessions: 1, history: 11, extremes: 0 });

      other.prepare('ROLLBACK').run();
      other.close();
      sweeping.wake();
      await sweeping.idle();
      expect(failures).toHaveLength(1);
      expect(rowsOf(a.seq)).toEqual(GONE);
    } finally {
      db.close();
      remove();
    }
  });
});
