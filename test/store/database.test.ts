import Database from 'better-sqlite3';
import { chmodSync, copyFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { migrate, openDatabase } from '../../src/store/database.js';
import { temporaryDatabases } from '../support/app.js';

const databaseFile = temporaryDatabases();
/** A folder of its own for a subset of the migrations. */
const migrationsPath = temporaryDatabases();
const MIGRATIONS = fileURLToPath(new URL('../../migrations/', import.meta.url));

const mode = (path: string) => statSync(path).mode & 0o777;

describe('openDatabase', () => {
  it('creates the database, its -wal and -shm files readable by their owner only, in a folder only the owner enters', () => {
    const path = databaseFile();
    // Whatever umask the process runs with: these bits are never granted.
    const umask = process.umask(0o000);
    let db;
    try {
      db = openDatabase(path);
    } finally {
      process.umask(umask);
    }
    try {
      db.prepare('CREATE TABLE probe (x)').run(); // a write, so that -wal and -shm exist
      for (const file of [path, `${path}-wal`, `${path}-shm`]) expect(mode(file).toString(8), file).toBe('600');
      expect(mode(dirname(path)).toString(8)).toBe('700');
    } finally {
      db.close();
    }
  });

  it('leaves the permissions of an existing database file as its operator set them', () => {
    const path = databaseFile();
    openDatabase(path).close();
    chmodSync(path, 0o640);
    openDatabase(path).close();
    expect(mode(path).toString(8)).toBe('640');
  });

  it('creates the folder and opens the file in WAL mode, synchronous FULL, with foreign keys, a busy timeout and incremental auto_vacuum', () => {
    const db = openDatabase(databaseFile());
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('auto_vacuum', { simple: true })).toBe(2); // INCREMENTAL
      expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    } finally {
      db.close();
    }
  });

  // What the server's shutdown test relies on: SQLite checkpoints and deletes the -wal and -shm
  // files when the last connection closes cleanly, and leaves them when it is not closed.
  it('leaves no -wal file after a clean close, and a -wal file while open', () => {
    const path = databaseFile();
    const db = openDatabase(path);
    db.exec('CREATE TABLE t (x)');
    db.prepare('INSERT INTO t VALUES (1)').run();
    expect(existsSync(`${path}-wal`)).toBe(true);
    db.close();
    expect(existsSync(`${path}-wal`)).toBe(false);
    expect(existsSync(`${path}-shm`)).toBe(false);

    const again = openDatabase(path);
    expect(again.prepare('SELECT x FROM t').pluck().all()).toEqual([1]);
    again.close();
  });

  it('runs a migration made to run outside a transaction again if it was not recorded, to the same effect', () => {
    const db = openDatabase(databaseFile());
    try {
      db.prepare('DELETE FROM schema_migrations WHERE version = 4').run();
      expect(migrate(db)).toEqual(['004_incremental_auto_vacuum.sql']);
      expect(db.pragma('auto_vacuum', { simple: true })).toBe(2);
      expect(migrate(db)).toEqual([]);
    } finally {
      db.close();
    }
  });
});

describe('migration 007: projects, keys and the audit log', () => {
  /** A database as migrations 001 and 002 left it, with sessions, history and a deleted newest session; opening it runs every later migration. */
  function databaseBeforeProjects(path: string): Database.Database {
    const dir = dirname(migrationsPath());
    mkdirSync(dir, { recursive: true });
    for (const file of ['001_sessions.sql', '002_requested_references.sql']) {
      copyFileSync(join(MIGRATIONS, file), join(dir, file));
    }
    mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    db.pragma('foreign_keys = ON');
    migrate(db, dir);
    const session = db.prepare(`
      INSERT INTO sessions (id, key, name, metadata, param_groups, scheduler, step, scheduler_state, groups, created_at, updated_at)
      VALUES (?, ?, NULL, '{}', '[{"lr":0.1}]', '{"type":"StepLR","step_size":2,"gamma":0.1}', 1, '{}', '[]', 't0', 't1')`);
    const history = db.prepare(
      `INSERT INTO history (session_seq, step, recorded_at, report, scheduler_state, groups) VALUES (?, ?, 't', ?, '{}', '[]')`,
    );
    for (const [id, key] of [['s1', 'run-1'], ['s2', null], ['s3', 'run-3']] as const) {
      const seq = Number(session.run(id, key).lastInsertRowid);
      history.run(seq, 0, null);
      history.run(seq, 1, '{"metric":1}');
    }
    db.prepare("DELETE FROM sessions WHERE id = 's3'").run();
    return db;
  }

  it('keeps every session and its history in the default project, and continues the seq count', () => {
    const path = databaseFile();
    const old = databaseBeforeProjects(path);
    old.close();

    const db = openDatabase(path);
    try {
      expect(db.prepare('SELECT seq, id, project, key FROM sessions ORDER BY seq').all()).toEqual([
        { seq: 1, id: 's1', project: 'default', key: 'run-1' },
        { seq: 2, id: 's2', project: 'default', key: null },
      ]);
      expect(db.prepare('SELECT session_seq, step, report, actor FROM history ORDER BY 1, 2').all()).toEqual([
        { session_seq: 1, step: 0, report: null, actor: null },
        { session_seq: 1, step: 1, report: '{"metric":1}', actor: null },
        { session_seq: 2, step: 0, report: null, actor: null },
        { session_seq: 2, step: 1, report: '{"metric":1}', actor: null },
      ]);
      expect(db.prepare('SELECT name FROM projects').pluck().all()).toEqual(['default']);
      // The deleted session's seq (3) is never handed out again: cursors stay unambiguous.
      const insert = db.prepare(`
        INSERT INTO sessions (id, project, key, metadata, param_groups, scheduler, step, scheduler_state, groups, created_at, updated_at)
        VALUES (?, ?, ?, '{}', '[]', '{}', 0, '{}', '[]', 't', 't')`);
      expect(Number(insert.run('s4', 'default', null).lastInsertRowid)).toBe(4);
      // Keys are unique per project only, and projects must exist.
      db.prepare("INSERT INTO projects (name, created_at) VALUES ('vision', 't')").run();
      insert.run('s5', 'vision', 'run-1');
      expect(() => insert.run('s6', 'vision', 'run-1')).toThrow(/UNIQUE/);
      expect(() => insert.run('s7', 'nowhere', null)).toThrow(/FOREIGN KEY/);
      // Foreign keys are on again, and history still cascades with its session.
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      db.prepare("DELETE FROM sessions WHERE id = 's1'").run();
      expect(db.prepare('SELECT count(*) FROM history WHERE session_seq = 1').pluck().get()).toBe(0);
    } finally {
      db.close();
    }
  });
});
