import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { migrate, openDatabase } from '../../src/store/database.js';
import { temporaryDatabases } from '../support/app.js';

const databaseFile = temporaryDatabases();

describe('openDatabase', () => {
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
