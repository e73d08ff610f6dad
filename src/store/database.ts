import Database from 'better-sqlite3';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readMigrations } from './migration-files.js';

export type Db = Database.Database;

/** migrations/ sits at the repo root, two levels above both src/store and dist/store. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

/** How long a statement waits for another connection's lock before failing with SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5_000;

/**
 * Sessions may hold what a team would not show everyone (metadata, run names): a database
 * this service creates is readable by its owner only, and so are its -wal and -shm files,
 * which SQLite creates with the database file's permissions. The folder, if created here,
 * is the owner's only too. An existing file keeps the permissions its operator gave it.
 */
function createPrivately(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  // 'a': creates the file if missing (mode applies only then), leaves an existing one as it is.
  closeSync(openSync(path, 'a', 0o600));
}

/**
 * Puts the file in WAL mode. The switch of a fresh file needs its exclusive lock, and
 * SQLite answers SQLITE_BUSY at once, without waiting out the busy timeout, when another
 * connection holds a lock at that moment (two processes opening one fresh file together):
 * so it is tried again, a few milliseconds apart, for as long as the busy timeout.
 */
function switchToWal(db: Db): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (const giveUpAt = Date.now() + BUSY_TIMEOUT_MS; ; ) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() >= giveUpAt) throw error;
      Atomics.wait(pause, 0, 0, 5); // a synchronous pause: opening the database is synchronous
    }
  }
}

/** Opens (creating it, and its folder, privately) and migrates the SQLite file. */
export function openDatabase(path: string): Db {
  if (path !== ':memory:') createPrivately(path);
  const db = new Database(path, { timeout: BUSY_TIMEOUT_MS });
  switchToWal(db);
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
 *
 * Several processes may open one fresh file at once (a server and `npm run keys`, or servers
 * started together). Each migration's transaction therefore takes the write lock when it
 * begins (IMMEDIATE) and looks again whether another process applied it meanwhile, so the
 * second process waits for the first and skips what it did. A migration outside a
 * transaction is written to be run again harmlessly, so two processes may both run it; it
 * is recorded once. Returns the names of the migrations this call ran.
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
  const isApplied = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').pluck();
  const record = db.prepare('INSERT OR IGNORE INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  const pending = readMigrations(dir).filter((m) => !applied.has(m.version));
  // A migration may rebuild a table (SQLite cannot drop a constraint in place), and dropping
  // the old table with foreign keys on would cascade into the rows that point at it. So they
  // are off while migrations run (the pragma is ignored inside a transaction), and each
  // migration in a transaction commits only if every reference still holds.
  const enforced = db.pragma('foreign_keys', { simple: true }) === 1;
  db.pragma('foreign_keys = OFF');
  const ranHere: string[] = [];
  try {
    for (const migration of pending) {
      const recordIt = () => record.run(migration.version, migration.name, new Date().toISOString());
      if (migration.outsideTransaction) {
        db.exec(migration.sql);
        recordIt();
        ranHere.push(migration.name);
      } else {
        db.transaction(() => {
          if (isApplied.get(migration.version) !== undefined) return;
          db.exec(migration.sql);
          const broken = db.pragma('foreign_key_check') as unknown[];
          if (broken.length > 0) throw new Error(`migration ${migration.name} leaves ${broken.length} broken references`);
          recordIt();
          ranHere.push(migration.name);
        }).immediate();
      }
    }
  } finally {
    if (enforced) db.pragma('foreign_keys = ON');
  }
  return ranHere;
}
