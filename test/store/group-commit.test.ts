import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { fdatasync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { schedulerConfig } from '../../src/schedulers/registry.js';
import { startSchedule } from '../../src/schedulers/schedule.js';
import { openDatabase } from '../../src/store/database.js';
import { DatabaseUnavailable } from '../../src/store/errors.js';
import type { SessionWrites } from '../../src/store/session-store.js';
import { MAX_GROUP_SIZE, SqliteSessionStore } from '../../src/store/sqlite-store.js';
import type { SyncFile } from '../../src/store/wal-sync.js';
import { tempDir } from '../support/app.js';

/**
 * Group commit in the SQLite store, on real database files: what one transaction sees of
 * another, what a second connection (another process, or the disk after a crash) sees, and
 * when the promises settle, with the real fdatasync watched or held back.
 */

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function openStore(syncFile?: SyncFile) {
  const { dir, remove } = tempDir();
  const path = join(dir, 'lrsched.db');
  const store = new SqliteSessionStore(openDatabase(path), { syncFile });
  // What another connection sees: only what was committed.
  const other = new Database(path, { readonly: true });
  const committedSessions = () => other.prepare('SELECT count(*) FROM sessions').pluck().get() as number;
  cleanups.push(remove, () => store.close(), () => void other.close());
  return { store, committedSessions, path };
}

const schedule = startSchedule(schedulerConfig.parse({ type: 'StepLR', step_size: 1, gamma: 0.5 }), [{ lr: 0.1 }]);

function insertSession(tx: SessionWrites, id = randomUUID()) {
  return tx.insert({ id, project: 'default', key: null, name: null, metadata: {}, param_groups: [{ lr: 0.1 }], requested_with_references: null, schedule, at: '2026-01-01T00:00:00.000Z', actor: null });
}

/** The real fdatasync, counting its calls; between `hold()` and `release()` the calls wait. */
function gatedSync() {
  let gate = Promise.resolve();
  let release = () => undefined as void;
  const calls: number[] = [];
  const syncFile: SyncFile = (fd, done) => {
    calls.push(fd);
    void gate.then(() => fdatasync(fd, done));
  };
  return {
    syncFile,
    calls,
    hold: () => void (gate = new Promise((resolve) => (release = resolve))),
    release: () => release(),
  };
}

/** Whether `promise` has settled by the time the event loop has turned a few times. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe('group commit in the SQLite store', () => {
  it('runs the transactions asked for meanwhile as one group, in order: each sees the earlier ones, another connection none until the commit', async () => {
    const { store, committedSessions } = openStore();
    const ids = Array.from({ length: 20 }, () => randomUUID());
    const seen = await Promise.all(
      ids.map((id, k) =>
        store.transaction(async (tx) => {
          const earlier = k === 0 || (await tx.findById(ids[k - 1] as string, null)) !== undefined;
          await insertSession(tx, id);
          return { earlier, committed: committedSessions() };
        }),
      ),
    );
    expect(seen).toEqual(ids.map(() => ({ earlier: true, committed: 0 })));
    expect(committedSessions()).toBe(20);
  });

  it('rolls back a failing transaction alone: the others of its group keep their changes', async () => {
    const { store, committedSessions } = openStore();
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    const outcomes = await Promise.allSettled(
      ids.map((id, k) =>
        store.transaction(async (tx) => {
          await insertSession(tx, id);
          if (k === 1) throw new Error('refused after writing');
          return id;
        }),
      ),
    );
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toEqual(new Error('refused after writing'));
    expect(committedSessions()).toBe(2);
    const found = await store.snapshot(async (reads) => Promise.all(ids.map((id) => reads.findById(id, null))));
    expect(found.map((session) => session !== undefined)).toEqual([true, false, true]);
  });

  it(`puts at most ${MAX_GROUP_SIZE} transactions in a group`, async () => {
    const { store, committedSessions } = openStore();
    const committedBefore = await Promise.all(
      Array.from({ length: MAX_GROUP_SIZE + 10 }, () =>
        store.transaction(async (tx) => {
          await insertSession(tx);
          return committedSessions();
        }),
      ),
    );
    expect(committedBefore.slice(0, MAX_GROUP_SIZE).every((count) => count === 0)).toBe(true);
    expect(committedBefore.slice(MAX_GROUP_SIZE).every((count) => count === MAX_GROUP_SIZE)).toBe(true);
  });

  it('answers nothing before the WAL is synced after its commit, reads included; one sync covers the groups committed meanwhile', async () => {
    const sync = gatedSync();
    const { store, committedSessions } = openStore(sync.syncFile);
    // The first sync also syncs the folder the WAL was created in: done before holding.
    await store.transaction((tx) => insertSession(tx));
    sync.hold();
    const syncsBefore = sync.calls.length;
    const first = store.transaction((tx) => insertSession(tx));
    // Committed (another connection sees it) but not yet on the disk: not answered.
    expect(await settled(first)).toBe(false);
    expect(committedSessions()).toBe(2);
    // Groups committed while that sync runs, a read among them, wait too.
    const later = [store.transaction((tx) => insertSession(tx)), store.snapshot(async (reads) => reads.findByKey('default', 'none'))];
    expect(await settled(later[0]!)).toBe(false);
    const more = store.transaction((tx) => insertSession(tx));
    expect(await settled(Promise.race([...later, more]))).toBe(false);
    expect(committedSessions()).toBe(4);
    sync.release();
    await Promise.all([first, ...later, more]);
    // The first group's sync, then one for all the groups committed while it ran.
    expect(sync.calls.length).toBe(syncsBefore + 2);
    // With nothing left to sync, a read answers without one.
    await store.snapshot(async (reads) => reads.findByKey('default', 'none'));
    expect(sync.calls.length).toBe(syncsBefore + 2);
  });

  it('tells listeners of a group\'s changes once it is durable, before its units are answered, and none of a unit rolled back', async () => {
    const sync = gatedSync();
    const { store } = openStore(sync.syncFile);
    const told: string[] = [];
    await store.listen({ committed: (change) => told.push(change.sessionId), missedSome: () => undefined });
    await store.transaction((tx) => insertSession(tx));
    sync.hold();
    const change = (sessionId: string) => ({ kind: 'step' as const, sessionId, step: 1, state: { step: 1, last_epoch: 1, base_lrs: [0.1], lrs: [0.1] } });
    const kept = store.transaction(async (tx) => {
      await insertSession(tx);
      await tx.announce(change('kept'));
    });
    const toldWhenAnswered = kept.then(() => [...told]);
    const dropped = store.transaction(async (tx) => {
      await tx.announce(change('dropped'));
      throw new Error('rolled back');
    });
    expect(await settled(kept)).toBe(false);
    expect(told).toEqual([]);
    sync.release();
    expect(await toldWhenAnswered).toEqual(['kept']);
    await expect(dropped).rejects.toThrow('rolled back');
    expect(told).toEqual(['kept']);
  });

  it("moves the access version with this connection's key changes before they are durable, and answers a lookup only once they are", async () => {
    const sync = gatedSync();
    const { store } = openStore(sync.syncFile);
    await store.transaction((tx) => insertSession(tx));
    const before = store.accessVersion();
    expect(before).toBeDefined();
    sync.hold();
    const made = store.transaction((tx) => tx.insertProject({ name: 'vision', created_at: '2026-01-01T00:00:00.000Z' }));
    const found = store.lookup((reads) => reads.project('vision'));
    // Committed, not yet on the disk: the version has moved already, and neither is answered.
    expect(await settled(Promise.race([made, found]))).toBe(false);
    const during = store.accessVersion();
    expect(during).not.toBe(before);
    sync.release();
    expect(await made).toBe(true);
    expect((await found)?.name).toBe('vision');
    // Durable now, and nothing else changed: the same version.
    expect(store.accessVersion()).toBe(during);
  });

  it("waits for a sync before answering what it read of another connection's commit", async () => {
    const sync = gatedSync();
    const { store, path } = openStore(sync.syncFile);
    await store.transaction((tx) => insertSession(tx));
    const before = store.accessVersion();
    const syncsBefore = sync.calls.length;
    // Another process's commit, made at synchronous=NORMAL: in the WAL, perhaps not on the disk.
    const writer = new Database(path);
    cleanups.push(() => void writer.close());
    writer.pragma('synchronous = NORMAL');
    writer.prepare("INSERT INTO projects (name, created_at) VALUES ('audio', '2026-01-01T00:00:00.000Z')").run();
    expect(store.accessVersion()).not.toBe(before);
    sync.hold();
    const found = store.lookup((reads) => reads.project('audio'));
    expect(await settled(found)).toBe(false);
    sync.release();
    expect((await found)?.name).toBe('audio');
    expect(sync.calls.length).toBe(syncsBefore + 1);
    // Nothing new from anyone: the next read answers without a sync.
    await store.lookup((reads) => reads.project('audio'));
    expect(sync.calls.length).toBe(syncsBefore + 1);
  });

  it('fails the waiting transactions and every later one when a sync fails, and says the database is unavailable', async () => {
    const { store, committedSessions } = openStore((_fd, done) => done(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' })));
    await expect(store.transaction((tx) => insertSession(tx))).rejects.toBeInstanceOf(DatabaseUnavailable);
    await expect(store.snapshot(async (reads) => reads.findByKey('default', 'none'))).rejects.toBeInstanceOf(DatabaseUnavailable);
    await expect(store.transaction((tx) => insertSession(tx))).rejects.toBeInstanceOf(DatabaseUnavailable);
    expect(await store.isReachable()).toBe(false);
    // What the disk holds is unknown: nothing read of keys may be kept.
    expect(store.accessVersion()).toBeUndefined();
    // Only the first insert ran: nothing after the failure did.
    expect(committedSessions()).toBe(1);
  });
});
