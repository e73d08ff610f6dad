import { chmodSync, existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrate, openDatabase } from '../../src/store/database.js';
import { temporaryDatabases } from '../support/app.js';

const databaseFile = temporaryDatabases();

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
