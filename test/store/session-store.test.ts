import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { schedulerConfig } from '../../src/schedulers/registry.js';
import { advanceSchedule, startSchedule, type Schedule } from '../../src/schedulers/schedule.js';
import { openStore } from '../../src/store/open-store.js';
import type { SessionReads, SessionStore, StoredSession } from '../../src/store/session-store.js';
import { createTestDatabase, TEST_STORE, type TestDatabase } from '../support/test-database.js';

/** The store on its own, on a fresh database of the kind this run tests (SQLite, or PostgreSQL in the postgres project). */

let database: TestDatabase;
let store: SessionStore;
beforeEach(async () => {
  database = await createTestDatabase();
  store = await openStore(database.options);
});
afterEach(async () => {
  await store.close();
  await database.remove();
});

const groups = [{ lr: 0.1 }, { lr: 0.01 }];
const scheduled = (type: object = { type: 'ExponentialLR', gamma: 0.5 }): Schedule => startSchedule(schedulerConfig.parse(type), groups);
const AT = '2026-03-01T00:00:00.000Z';

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const collected: T[] = [];
  for await (const item of items) collected.push(item);
  return collected;
}
const read = <T>(work: (reads: SessionReads) => Promise<T>) => store.snapshot(work);

let ids = 0;
async function insert(fields: { key?: string; schedule?: Schedule; at?: string; project?: string } = {}): Promise<StoredSession> {
  ids += 1;
  const session = await store.transaction((tx) =>
    tx.insert({
      id: `session-${ids}`,
      project: fields.project ?? 'default',
      key: fields.key ?? null,
      name: `name ${ids}`,
      metadata: { n: ids },
      param_groups: groups,
      requested_with_references: null,
      schedule: fields.schedule ?? scheduled(),
      at: fields.at ?? '2026-01-01T00:00:00.000Z',
      actor: 'key_creator',
    }),
  );
  return session!;
}

/** Appends `count` real steps (reporting NaN now and then) and answers the session after them. */
async function stepped(session: StoredSession, count: number): Promise<StoredSession> {
  let current = session;
  for (let i = 0; i < count; i++) {
    const metric = i % 3 === 0 ? Number.NaN : i;
    current = await store.transaction(async (tx) => {
      await tx.appendStep(current, advanceSchedule(current.schedule, {}), { metric }, `2026-01-01T00:00:0${i}.000Z`, `key_${i}`);
      return (await tx.findById(current.id, null))!;
    });
  }
  return current;
}

describe(`the ${TEST_STORE} store`, () => {
  it('inserts a session with its step-0 history row and reads it back by id and key', async () => {
    const schedule = scheduled({ type: 'ReduceLROnPlateau' });
    const session = await insert({ key: 'k', schedule });
    expect(session).toMatchObject({ key: 'k', name: session.name, metadata: session.metadata, step: 0, param_groups: groups });
    // ReduceLROnPlateau starts with best = Infinity: the JSON column keeps it.
    expect(session.schedule).toEqual(schedule);
    expect(await read((r) => r.findById(session.id, null))).toEqual(session);
    expect(await read((r) => r.findByKey('default', 'k'))).toEqual(session);
    expect(await read((r) => r.findById('nope', null))).toBeUndefined();
    expect(await read((r) => all(r.historyAfter(session, -1, 10)))).toEqual([
      { step: 0, recorded_at: session.created_at, actor: 'key_creator', report: null, state: schedule.state, groups: schedule.groups },
    ]);
  });

  it('inserts nothing for a key that is taken', async () => {
    await insert({ key: 'taken' });
    const again = store.transaction((tx) =>
      tx.insert({ id: 'other', project: 'default', key: 'taken', name: null, metadata: {}, param_groups: groups, requested_with_references: null, schedule: scheduled(), at: AT, actor: null }),
    );
    if (TEST_STORE === 'postgres') expect(await again).toBeUndefined();
    // SQLite's write lock leaves no "meanwhile": the use case looks the key up first, and the UNIQUE constraint refuses a second one.
    else await expect(again).rejects.toThrow(/UNIQUE/);
    expect((await read((r) => all(r.newestFirst(null, 10)))).map((s) => s.key)).toEqual(['taken']);
  });

  it('appends steps, each moving the session and adding its history row with the report as given', async () => {
    const session = await stepped(await insert(), 4);
    expect(session.step).toBe(4);
    const history = await read((r) => all(r.historyAfter(session, -1, 100)));
    expect(history.map((e) => [e.step, e.actor])).toEqual([
      [0, 'key_creator'],
      [1, 'key_0'],
      [2, 'key_1'],
      [3, 'key_2'],
      [4, 'key_3'],
    ]);
    expect(history[1]!.report).toEqual({ metric: Number.NaN });
    expect(history[4]!.groups).toEqual(session.schedule.groups);
    expect(await read((r) => r.historyAt(session, 2))).toEqual(history[2]);
    expect((await read((r) => all(r.historyAfter(session, 1, 2)))).map((e) => e.step)).toEqual([2, 3]);
  });

  it('rewinds: the session takes an earlier step again and forgets the later ones', async () => {
    const session = await stepped(await insert(), 5);
    const entry = (await read((r) => r.historyAt(session, 2)))!;
    await store.transaction((tx) => tx.rewindTo(session, entry, '2026-02-01T00:00:00.000Z'));
    const rewound = (await read((r) => r.findById(session.id, null)))!;
    expect(rewound).toMatchObject({ step: 2, updated_at: '2026-02-01T00:00:00.000Z' });
    expect(rewound.schedule.state).toEqual(entry.state);
    expect((await read((r) => all(r.historyAfter(session, -1, 100)))).map((e) => e.step)).toEqual([0, 1, 2]);
  });

  it('lists newest first from below a seq, lazily', async () => {
    const sessions = [await insert(), await insert(), await insert(), await insert()];
    expect((await read((r) => all(r.newestFirst(null, 10)))).map((s) => s.id)).toEqual(sessions.map((s) => s.id).reverse());
    expect((await read((r) => all(r.newestFirst(null, 2, sessions[2]!.seq)))).map((s) => s.id)).toEqual([sessions[1]!.id, sessions[0]!.id]);
    const first = await read(async (r) => {
      const reading = r.newestFirst(null, 10)[Symbol.asyncIterator]();
      const { value } = await reading.next();
      await reading.return?.(); // a page that stops early lets go of its statement
      return value as StoredSession;
    });
    expect(first.id).toBe(sessions[3]!.id);
    expect((await insert()).seq).toBeGreaterThan(sessions[3]!.seq);
  });

  it("finds and lists a project's sessions only, unless asked for every project's; keys are per project", async () => {
    await store.transaction((tx) => tx.insertProject({ name: 'vision', created_at: AT }));
    const mine = await insert({ key: 'run-1' });
    const theirs = await insert({ key: 'run-1', project: 'vision' });
    expect(await read((r) => r.findById(theirs.id, 'default'))).toBeUndefined();
    expect(await read((r) => r.findById(theirs.id, 'vision'))).toEqual(theirs);
    expect(await read((r) => r.findById(theirs.id, null))).toEqual(theirs);
    expect(await read((r) => r.findByKey('default', 'run-1'))).toEqual(mine);
    expect(await read((r) => r.findByKey('vision', 'run-1'))).toEqual(theirs);
    const listed = async (project: string | null) => (await read((r) => all(r.newestFirst(project, 10)))).map((s) => s.id);
    expect(await listed('default')).toEqual([mine.id]);
    expect(await listed('vision')).toEqual([theirs.id]);
    expect(await listed(null)).toEqual([theirs.id, mine.id]);
    await expect(insert({ project: 'nowhere' })).rejects.toThrow(/FOREIGN KEY|foreign key/);
  });

  it('keeps projects, keys (never their digests in a read) and audit rows beside the sessions', async () => {
    expect(await store.transaction((tx) => tx.insertProject({ name: 'nlp', created_at: AT }))).toBe(true);
    expect(await store.transaction((tx) => tx.insertProject({ name: 'nlp', created_at: AT }))).toBe(false);
    expect(await read((r) => r.anyKeyExists())).toBe(false);
    const digest = 'ab'.repeat(32);
    await store.transaction(async (tx) => {
      await tx.insertKey({ id: 'key_1', token_sha256: digest, project: 'nlp', role: 'write', name: null, created_at: AT });
      await tx.recordAudit({ at: AT, actor: 'cli', action: 'key.create', project: 'nlp', subject: 'key_1', detail: { role: 'write' } });
    });
    const key = { id: 'key_1', project: 'nlp', role: 'write', name: null, created_at: AT, revoked_at: null };
    expect(await read((r) => r.keyByDigest(digest))).toEqual(key);
    expect(await read((r) => r.keys())).toEqual([key]);
    expect(await read((r) => r.anyKeyExists())).toBe(true);
    expect(await store.transaction((tx) => tx.revoke('key_1', AT))).toBe(true);
    expect(await store.transaction((tx) => tx.revoke('key_1', AT))).toBe(false);
    expect(await read((r) => r.keyById('key_1'))).toEqual({ ...key, revoked_at: AT });
    expect((await read((r) => r.projects())).map((p) => p.name)).toEqual(['default', 'nlp']);
  });

  it('runs a transaction whole or not at all', async () => {
    const before = (await read((r) => all(r.newestFirst(null, 100)))).length;
    await expect(
      store.transaction(async (tx) => {
        await tx.insert({ id: 'half', project: 'default', key: null, name: null, metadata: {}, param_groups: groups, requested_with_references: null, schedule: scheduled(), at: AT, actor: null });
        throw new Error('half-way');
      }),
    ).rejects.toThrow('half-way');
    expect(await read((r) => all(r.newestFirst(null, 100)))).toHaveLength(before);
  });

  it('hides a session marked deleted from every read at once, and frees its key', async () => {
    const session = await stepped(await insert({ key: 'taken' }), 3);
    expect(await store.transaction((tx) => tx.markDeleted(session.id, AT))).toBe(true);
    expect(await store.transaction((tx) => tx.markDeleted(session.id, AT))).toBe(false);
    expect(await read((r) => r.findById(session.id, null))).toBeUndefined();
    expect(await read((r) => r.findByKey('default', 'taken'))).toBeUndefined();
    expect((await read((r) => all(r.newestFirst(null, 10)))).map((s) => s.id)).not.toContain(session.id);
    expect((await insert({ key: 'taken' })).key).toBe('taken');
    expect(await store.transaction((tx) => tx.oldestDeleted())).toBe(session.seq);
  });

  it('sweeps a deleted session in chunks of history rows, newest first, then its row', async () => {
    const kept = await stepped(await insert(), 2);
    const session = await stepped(await insert(), 6);
    await store.transaction(async (tx) => {
      await tx.markDeleted(session.id, AT);
      expect(await tx.deleteHistoryChunk(session.seq, 3)).toBe(3);
      expect((await all(tx.historyAfter(session, -1, 100))).map((e) => e.step)).toEqual([0, 1, 2, 3]);
      expect(await tx.deleteHistoryChunk(session.seq, 10)).toBe(4);
      expect(await tx.deleteHistoryChunk(session.seq, 10)).toBe(0);
      await tx.purgeDeleted(session.seq);
      expect(await tx.oldestDeleted()).toBeUndefined();
      // Only marked sessions are purged, and only their own history is swept.
      await tx.purgeDeleted(kept.seq);
      expect(await tx.findById(kept.id, null)).toEqual(kept);
      expect(await all(tx.historyAfter(kept, -1, 10))).toHaveLength(3);
    });
  });

  it.runIf(TEST_STORE === 'sqlite')('gives free pages back (SQLite; on PostgreSQL autovacuum does, and freePages answers 0)', async () => {
    const path = (database.options as { path: string }).path;
    const pragma = (name: string) => {
      const db = new Database(path, { readonly: true });
      try {
        return db.pragma(name, { simple: true }) as number;
      } finally {
        db.close();
      }
    };
    const session = await stepped(await insert({ schedule: scheduled({ type: 'ExponentialLR', gamma: 0.9 }) }), 300);
    await store.transaction(async (tx) => {
      await tx.markDeleted(session.id, AT);
      while ((await tx.deleteHistoryChunk(session.seq, 1000)) > 0);
      await tx.purgeDeleted(session.seq);
    });
    const before = pragma('page_count');
    const free = pragma('freelist_count');
    expect(free).toBeGreaterThan(0);
    expect(await store.freePages(1)).toBe(free - 1);
    expect(await store.freePages(free)).toBe(0);
    expect(pragma('page_count')).toBe(before - free);
  });

  it('says whether the database answers', async () => {
    expect(await store.isReachable()).toBe(true);
    await store.close();
    expect(await store.isReachable()).toBe(false);
  });
});
