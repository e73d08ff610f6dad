import { openDatabase } from './database.js';
import { migratePostgres, openPool } from './postgres-database.js';
import { PostgresSessionStore } from './postgres-store.js';
import type { SessionStore } from './session-store.js';
import { SqliteSessionStore } from './sqlite-store.js';

/** Which database the service keeps its sessions in. */
export type DatabaseOptions =
  | { readonly kind: 'sqlite'; readonly path: string }
  | {
      readonly kind: 'postgres';
      readonly url: string;
      /** Connections this process keeps at most. */
      readonly poolSize: number;
      /** How long a mark that this process watches a session lasts unrenewed; WATCH_LEASE_SECONDS if unset. */
      readonly watchLeaseSeconds?: number;
    };

export interface StoreEvents {
  /** A pooled connection failed while idle (PostgreSQL restarting); the pool has dropped it. */
  readonly idleConnectionFailed?: (error: Error) => void;
  /** PostgreSQL's listening connection failed (it reconnects by itself), or a change notice could not be read. */
  readonly changeFeedFailed?: (error: Error) => void;
}

/** Opens and migrates the database; for PostgreSQL, waits for replicas migrating at the same time. */
export async function openStore(options: DatabaseOptions, events: StoreEvents = {}): Promise<SessionStore> {
  if (options.kind === 'sqlite') return new SqliteSessionStore(openDatabase(options.path));
  const pool = openPool({ url: options.url, size: options.poolSize, onIdleError: events.idleConnectionFailed });
  try {
    await migratePostgres(pool);
  } catch (error) {
    await pool.end();
    throw error;
  }
  return new PostgresSessionStore(pool, events.changeFeedFailed, options.watchLeaseSeconds);
}
