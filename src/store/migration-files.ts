import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Numbered SQL files (NNN_name.sql), SQLite's in migrations/, PostgreSQL's in migrations/postgres/. */

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  /** Runs outside a transaction (VACUUM cannot run in one); it must do no harm when run twice. */
  readonly outsideTransaction: boolean;
}

/** The first line of a migration that must run outside a transaction. */
const OUTSIDE_TRANSACTION = '-- migrate: outside a transaction';

/** The migrations in `dir`, in order of their numbers. */
export function readMigrations(dir: string): Migration[] {
  return readdirSync(dir)
    .filter((file) => /^\d+_[\w-]+\.sql$/.test(file))
    .map((file) => {
      const sql = readFileSync(join(dir, file), 'utf8');
      return { version: Number.parseInt(file, 10), name: file, sql, outsideTransaction: sql.startsWith(OUTSIDE_TRANSACTION) };
    })
    .sort((a, b) => a.version - b.version);
}
