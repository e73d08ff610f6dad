import Database from 'better-sqlite3';

/**
 * What the database file holds, read through a connection of the test's own (read-only),
 * not through the API: a refused request must have stored nothing, whatever a listing
 * would show.
 */
export function storedRows(databasePath: string): { sessions: number; history: number } {
  const db = new Database(databasePath, { readonly: true, fileMustExist: true });
  try {
    const count = (sql: string) => db.prepare(sql).pluck().get() as number;
    return {
      sessions: count('SELECT count(*) FROM sessions'),
      history: count('SELECT count(*) FROM history'),
    };
  } finally {
    db.close();
  }
}
