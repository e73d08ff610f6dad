import Database from 'better-sqlite3';

/**
 * What a server's database holds, read by a connection of its own (read-only; WAL lets it
 * read beside the server): how many sessions and history rows, and the database's logical
 * size (its pages, whether still in the WAL or checkpointed).
 */
export function storedRows(databasePath: string): { sessions: number; history: number; bytes: number } {
  const db = new Database(databasePath, { readonly: true, fileMustExist: true });
  try {
    const count = (table: string) => db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
    const pages = db.pragma('page_count', { simple: true }) as number;
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    return { sessions: count('sessions'), history: count('history'), bytes: pages * pageSize };
  } finally {
    db.close();
  }
}
