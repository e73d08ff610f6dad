import Database from 'better-sqlite3';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { migrate, openDatabase } from '../../src/store/database.js';
import { call, tempDir, type App } from '../support/app.js';

/**
 * A database as the service left it before migration 003: migrations 001 and 002, and rows
 * the service wrote through its API at the time (test/fixtures/schema-002, with the answers
 * it gave for them). Opening it with today's service migrates it; nothing may be lost.
 */

const FIXTURE = new URL('../fixtures/schema-002/', import.meta.url);
const MIGRATIONS = fileURLToPath(new URL('../../migrations/', import.meta.url));

interface Expected {
  listing: { items: { id: string }[] };
  sessions: Record<string, { session: unknown; history: unknown; state_dict: unknown; suggestion?: unknown }>;
  from_range_request: { id: string } & Record<string, unknown>;
}
const expected = JSON.parse(readFileSync(new URL('expected.json', FIXTURE), 'utf8')) as Expected;

/** Migrations 001 and 002 alone, applied by the same code, then the old rows. */
function databaseAtSchema002(dir: string): string {
  const oldMigrations = join(dir, 'migrations-002');
  mkdirSync(oldMigrations);
  for (const file of ['001_sessions.sql', '002_requested_references.sql']) copyFileSync(join(MIGRATIONS, file), join(oldMigrations, file));
  const path = join(dir, 'lrsched.db');
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  expect(migrate(db, oldMigrations)).toEqual(['001_sessions.sql', '002_requested_references.sql']);
  db.exec(readFileSync(new URL('data.sql', FIXTURE), 'utf8'));
  db.close();
  return path;
}

let app: App;
let path: string;
let remove: () => void;
beforeAll(async () => {
  const temp = tempDir();
  remove = temp.remove;
  path = databaseAtSchema002(temp.dir);
  app = await buildApp({ database: { kind: 'sqlite', path } });
  await app.ready();
});
afterAll(async () => {
  await app.close();
  remove();
});

/** A connection of the test's own to the migrated file. */
function inspect<T>(read: (db: Database.Database) => T): T {
  const db = new Database(path, { readonly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

/**
 * What the old service answered, as today's answers it: migration 007 puts every older
 * session in the `default` project, and their history was made by no key (open mode).
 */
const inDefaultProject = (session: object) => ({ ...session, project: 'default' });
const byNoKey = (page: { items: object[] }) => ({ ...page, items: page.items.map((entry) => ({ ...entry, actor: null })) });

describe('migrating a database made by the schema-002 service', () => {
  it('answers every session, history entry, state_dict and suggestion as the old service did', async () => {
    expect(Object.keys(expected.sessions)).toHaveLength(11);
    expect((await call(app, 'GET', '/v1/sessions?limit=500')).body).toEqual({
      ...expected.listing,
      items: expected.listing.items.map(inDefaultProject),
    });
    for (const [id, old] of Object.entries(expected.sessions)) {
      expect((await call(app, 'GET', `/v1/sessions/${id}`)).body, id).toEqual(inDefaultProject(old.session as object));
      expect((await call(app, 'GET', `/v1/sessions/${id}/history?limit=1000`)).body, id).toEqual(
        byNoKey(old.history as { items: object[] }),
      );
      expect((await call(app, 'GET', `/v1/sessions/${id}/state_dict`)).body, id).toEqual(old.state_dict);
      if (old.suggestion) expect((await call(app, 'GET', `/v1/sessions/${id}/suggestion`)).body, id).toEqual(old.suggestion);
    }
  });

  it('leaves STRICT tables with their rows, keys and counter intact, in incremental auto_vacuum mode', () => {
    inspect((db) => {
      const tables = db.prepare("SELECT name, strict FROM pragma_table_list WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'schema_migrations' ORDER BY name").all();
      expect(tables).toEqual([
        { name: 'api_keys', strict: 1 },
        { name: 'audit_log', strict: 1 },
        { name: 'history', strict: 1 },
        { name: 'history_extremes', strict: 1 },
        { name: 'projects', strict: 1 },
        { name: 'sessions', strict: 1 },
      ]);
      expect(db.prepare('SELECT count(*) FROM sessions').pluck().get()).toBe(11);
      expect(db.prepare('SELECT count(*) FROM history').pluck().get()).toBe(
        Object.values(expected.sessions).reduce((sum, s) => sum + (s.history as { items: unknown[] }).items.length, 0),
      );
      expect(db.pragma('foreign_key_check')).toEqual([]);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.pragma('auto_vacuum', { simple: true })).toBe(2); // INCREMENTAL, by migration 004's VACUUM
      expect(db.prepare('SELECT "table" FROM pragma_foreign_key_list(\'history\')').pluck().all()).toEqual(['sessions']);
      // The newest session (13) was deleted before the migration; its seq is not handed out again.
      expect(db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'sessions'").pluck().get()).toBe(13);
      expect(db.prepare("SELECT name FROM sqlite_master WHERE name LIKE '%_v3' OR name LIKE '%_v7'").all()).toEqual([]);
      expect(db.prepare('SELECT DISTINCT project FROM sessions').pluck().all()).toEqual(['default']);
    });
  });

  it("builds the pyramid of extremes of the histories it holds (migration 006), which downsampled reads use", async () => {
    const longest = inspect((db) => db.prepare('SELECT seq, id, step FROM sessions ORDER BY step DESC LIMIT 1').get()) as {
      seq: number;
      id: string;
      step: number;
    };
    expect(longest.step).toBe(286);
    const blocks = inspect((db) =>
      db
        .prepare('SELECT level, count(DISTINCT last_step) AS blocks FROM history_extremes WHERE session_seq = ? GROUP BY level')
        .all(longest.seq),
    );
    // Steps 0 to 286: 17 whole blocks of 16 steps, 1 of 256.
    expect(blocks).toEqual([
      { level: 1, blocks: 17 },
      { level: 2, blocks: 1 },
    ]);
    expect(inspect((db) => db.prepare("SELECT strict FROM pragma_table_list WHERE name = 'history_extremes'").pluck().get())).toBe(1);
    const chart = await call(app, 'GET', `/v1/sessions/${longest.id}/history?points=40`);
    expect(chart.status).toBe(200);
    const steps = (chart.body.items as { step: number }[]).map((entry) => entry.step);
    expect(steps.length).toBeLessThanOrEqual(40);
    expect([steps[0], steps.at(-1)]).toEqual([0, 286]);
  });

  it('goes on: a keyed request naming a range test finds its session, a new session gets the next seq', async () => {
    const { id, ...request } = expected.from_range_request;
    const again = await call(app, 'POST', '/v1/sessions', request);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(id);
    const created = await call(app, 'POST', '/v1/sessions', { param_groups: [{ lr: 0.1 }], scheduler: { type: 'StepLR', step_size: 1 } });
    expect(created.status).toBe(201);
    expect(inspect((db) => db.prepare('SELECT seq FROM sessions WHERE id = ?').pluck().get(created.body.id))).toBe(14);
  });
});

describe('the migrated tables', () => {
  const db = openDatabase(':memory:');
  const insertSession = db.prepare(`
    INSERT INTO sessions (id, project, metadata, param_groups, scheduler, step, scheduler_state, groups, created_at, updated_at)
    VALUES (@id, 'default', @metadata, '[]', '{}', @step, '{}', '[]', 'now', 'now')`);
  const insertHistory = db.prepare(`
    INSERT INTO history (session_seq, step, recorded_at, report, scheduler_state, groups) VALUES (?, ?, 'now', ?, '{}', '[]')`);
  const seq = Number(insertSession.run({ id: 'ok', metadata: '{}', step: 0 }).lastInsertRowid);
  afterAll(() => db.close());

  it.each([
    ['JSON that is not', () => insertSession.run({ id: 'a', metadata: '{"team":', step: 0 }), /CHECK constraint failed: json_valid\(metadata\)/],
    ['bytes where text belongs', () => insertSession.run({ id: 'b', metadata: Buffer.from('{}'), step: 0 }), /cannot store BLOB value in TEXT column/],
    ['a fractional step', () => insertSession.run({ id: 'c', metadata: '{}', step: 1.5 }), /cannot store REAL value in INTEGER column/],
    ['a negative step', () => insertSession.run({ id: 'd', metadata: '{}', step: -1 }), /CHECK constraint failed/],
    ['a history report that is not JSON', () => insertHistory.run(seq, 1, 'NaN'), /CHECK constraint failed: report IS NULL OR json_valid\(report\)/],
    ['a step without its report', () => insertHistory.run(seq, 1, null), /CHECK constraint failed/],
    ['a creation with a report', () => insertHistory.run(seq, 0, '{}'), /CHECK constraint failed/],
    ['history of no session', () => insertHistory.run(seq + 100, 0, null), /FOREIGN KEY constraint failed/],
  ])('refuse %s', (_what, write, message) => {
    expect(write).toThrow(message);
  });
});
