import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readMigrations } from './migration-files.js';

export type Db = Database.Database;

/** migrations/ sits at the repo root, two levels above both src/store and dist/store. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

/** How long a statement waits for another connection's lock before failing with SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5_000;

/** Opens (creating its folder) and migrates the SQLite file. */
export function openDatabase(path: string): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  // The busy timeout is set when the connection opens, so the switch to WAL below waits for a lock too.
  const db = new Database(path, { timeout: BUSY_TIMEOUT_MS });
  db.pragma('journal_mode = WAL');
  // FULL: what is committed through this connection survives power loss too, not only a
  // killed process. The session store then takes the WAL's per-commit sync over itself,
  // off the main thread (sqlite-store.ts), with the same guarantee for what it answers.
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}

/**
 * Applies, in order and each in its own transaction, the migrations the file has not seen.
 * A migration marked to run outside a transaction is recorded once it has run: interrupted
 * in between, it runs again next time.
 */
export function migrate(db: Db, dir: string = MIGRATIONS_DIR): string[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`);
  const applied = new Set(
    db
      .prepare('SELECT version FROM schema_migrations')
      .pluck()
      .all() as number[],
  );
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  const pending = readMigrations(dir).filter((m) => !applied.has(m.version));
  for (const migration of pending) {
    const recordIt = () => record.run(migration.version, migration.name, new Date().toISOString());
    if (migration.outsideTransaction) {
      db.exec(migration.sql);
      recordIt();
    } else {
      db.transaction(() => {
        db.exec(migration.sql);
        recordIt();
      })();
    }
  }
  return pending.map((m) => m.name);
}
