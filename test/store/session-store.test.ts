import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { schedulerConfig } from '../../src/schedulers/registry.js';
import { advanceSchedule, startSchedule, type Schedule } from '../../src/schedulers/schedule.js';
import { AuditLog } from '../../src/store/audit-log.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { SessionStore, type StoredSession } from '../../src/store/session-store.js';

/** The store on its own, on an in-memory database migrated like a file. */

let db: Db;
let store: SessionStore;
beforeEach(() => {
  db = openDatabase(':memory:');
  store = new SessionStore(db, new AuditLog(db));
});
afterEach(() => {
  if (db.open) db.close();
});

const groups = [{ lr: 0.1 }, { lr: 0.01 }];
const scheduled = (type: object = { type: 'ExponentialLR', gamma: 0.5 }): Schedule => startSchedule(schedulerConfig.parse(type), groups);

let ids = 0;
function insert(fields: { key?: string; schedule?: Schedule; at?: string; project?: string } = {}): StoredSession {
  ids += 1;
  return store.insert({
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
  });
}

/** Appends `count` real steps (reporting NaN now and then) and answers the session after them. */
function stepped(session: StoredSession, count: number): StoredSession {
  let current = session;
  for (let i = 0; i < count; i++) {
    const metric = i % 3 === 0 ? Number.NaN : i;
    store.appendStep(current, advanceSchedule(current.schedule, {}), { metric }, `2026-01-01T00:00:0${i}.000Z`, `key_${i}`);
    current = store.findById(current.id, null)!;
  }
  return current;
}

describe('SessionStore', () => {
  it('inserts a session with its step-0 history row and reads it back by id and key', () => {
    const schedule = scheduled({ type: 'ReduceLROnPlateau' });
    const session = insert({ key: 'k', schedule });
    expect(session).toMatchObject({ key: 'k', name: session.name, metadata: session.metadata, step: 0, param_groups: groups });
    // ReduceLROnPlateau starts with best = Infinity: the JSON column keeps it.
    expect(session.schedule).toEqual(schedule);
    expect(store.findById(session.id, null)).toEqual(session);
    expect(store.findByKey('default', 'k')).toEqual(session);
    expect(store.findById('nope', null)).toBeUndefined();
    expect([...store.historyAfter(session, -1, 10)]).toEqual([
      { step: 0, recorded_at: session.created_at, actor: 'key_creator', report: null, state: schedule.state, groups: schedule.groups },
    ]);
  });

  it('appends steps, each moving the session and adding its history row with the report as given', () => {
    const session = stepped(insert(), 4);
    expect(session.step).toBe(4);
    const history = [...store.historyAfter(session, -1, 100)];
    expect(history.map((e) => [e.step, e.actor])).toEqual([
      [0, 'key_creator'],
      [1, 'key_0'],
      [2, 'key_1'],
      [3, 'key_2'],
      [4, 'key_3'],
    ]);
    expect(history[1]!.report).toEqual({ metric: Number.NaN });
    expect(history[4]!.groups).toEqual(session.schedule.groups);
    expect(store.historyAt(session, 2)).toEqual(history[2]);
    expect([...store.historyAfter(session, 1, 2)].map((e) => e.step)).toEqual([2, 3]);
  });

  it('rewinds: the session takes an earlier step again and forgets the later ones', () => {
    const session = stepped(insert(), 5);
    const entry = store.historyAt(session, 2)!;
    store.rewindTo(session, entry, '2026-02-01T00:00:00.000Z');
    const rewound = store.findById(session.id, null)!;
    expect(rewound).toMatchObject({ step: 2, updated_at: '2026-02-01T00:00:00.000Z' });
    expect(rewound.schedule.state).toEqual(entry.state);
    expect([...store.historyAfter(session, -1, 100)].map((e) => e.step)).toEqual([0, 1, 2]);
  });

  it('lists newest first from below a seq, lazily', () => {
    const sessions = [insert(), insert(), insert(), insert()];
    expect([...store.newestFirst(null, 10)].map((s) => s.id)).toEqual(sessions.map((s) => s.id).reverse());
    expect([...store.newestFirst(null, 2, sessions[2]!.seq)].map((s) => s.id)).toEqual([sessions[1]!.id, sessions[0]!.id]);
    const reading = store.newestFirst(null, 10);
    expect(reading.next().value?.id).toBe(sessions[3]!.id);
    reading.return(undefined); // a page that stops early lets go of its statement
    expect(store.transaction(() => insert()).seq).toBeGreaterThan(sessions[3]!.seq);
  });

  it("finds and lists a project's sessions only, unless asked for every project's; keys are per project", () => {
    db.prepare("INSERT INTO projects (name, created_at) VALUES ('vision', 'now')").run();
    const mine = insert({ key: 'run-1' });
    const theirs = insert({ key: 'run-1', project: 'vision' });
    expect(store.findById(theirs.id, 'default')).toBeUndefined();
    expect(store.findById(theirs.id, 'vision')).toEqual(theirs);
    expect(store.findById(theirs.id, null)).toEqual(theirs);
    expect(store.findByKey('default', 'run-1')).toEqual(mine);
    expect(store.findByKey('vision', 'run-1')).toEqual(theirs);
    expect([...store.newestFirst('default', 10)].map((s) => s.id)).toEqual([mine.id]);
    expect([...store.newestFirst('vision', 10)].map((s) => s.id)).toEqual([theirs.id]);
    expect([...store.newestFirst(null, 10)].map((s) => s.id)).toEqual([theirs.id, mine.id]);
    expect(() => insert({ key: 'run-1', project: 'vision' })).toThrow(/UNIQUE/);
    expect(() => insert({ project: 'nowhere' })).toThrow(/FOREIGN KEY/);
  });

  it('runs a transaction whole or not at all', () => {
    const before = [...store.newestFirst(null, 100)].length;
    expect(() =>
      store.transaction(() => {
        insert();
        throw new Error('half-way');
      }),
    ).toThrow('half-way');
    expect([...store.newestFirst(null, 100)]).toHaveLength(before);
  });

  it('hides a session marked deleted from every read at once, and frees its key', () => {
    const session = stepped(insert({ key: 'taken' }), 3);
    expect(store.markDeleted(session.id, '2026-03-01T00:00:00.000Z')).toBe(true);
    expect(store.markDeleted(session.id, '2026-03-01T00:00:00.000Z')).toBe(false);
    expect(store.findById(session.id, null)).toBeUndefined();
    expect(store.findByKey('default', 'taken')).toBeUndefined();
    expect([...store.newestFirst(null, 10)].map((s) => s.id)).not.toContain(session.id);
    expect(insert({ key: 'taken' }).key).toBe('taken');
    expect(store.oldestDeleted()).toBe(session.seq);
  });

  it('sweeps a deleted session in chunks of history rows, newest first, then its row', () => {
    const kept = stepped(insert(), 2);
    const session = stepped(insert(), 6);
    store.markDeleted(session.id, 'now');
    expect(store.deleteHistoryChunk(session.seq, 3)).toBe(3);
    expect(db.prepare('SELECT step FROM history WHERE session_seq = ? ORDER BY step').pluck().all(session.seq)).toEqual([0, 1, 2, 3]);
    expect(store.deleteHistoryChunk(session.seq, 10)).toBe(4);
    expect(store.deleteHistoryChunk(session.seq, 10)).toBe(0);
    store.purgeDeleted(session.seq);
    expect(store.oldestDeleted()).toBeUndefined();
    expect(db.prepare('SELECT count(*) FROM sessions WHERE seq = ?').pluck().get(session.seq)).toBe(0);
    // Only marked sessions are purged, and only their own history is swept.
    store.purgeDeleted(kept.seq);
    expect(store.findById(kept.id, null)).toEqual(kept);
    expect([...store.historyAfter(kept, -1, 10)]).toHaveLength(3);
  });

  it('gives free pages back', () => {
    const session = stepped(insert({ schedule: scheduled({ type: 'ExponentialLR', gamma: 0.9 }) }), 300);
    store.markDeleted(session.id, 'now');
    while (store.deleteHistoryChunk(session.seq, 1000) > 0);
    store.purgeDeleted(session.seq);
    const pages = () => db.pragma('page_count', { simple: true }) as number;
    const before = pages();
    const free = db.pragma('freelist_count', { simple: true }) as number;
    expect(free).toBeGreaterThan(0);
    expect(store.freePages(1)).toBe(free - 1);
    expect(store.freePages(free)).toBe(0);
    expect(pages()).toBe(before - free);
  });

  it('says whether the database answers', () => {
    expect(store.isReachable()).toBe(true);
    db.close();
    expect(store.isReachable()).toBe(false);
  });
});
