/**
 * The database cannot be reached or is not answering now (PostgreSQL restarting, the
 * connection lost, SQLite's file locked beyond the busy timeout, the database closed).
 * Nothing was changed: the request can be sent again once the database is back.
 */
export class DatabaseUnavailable extends Error {
  constructor(options: { cause: unknown }) {
    super('the database is not answering; retry shortly', options);
    this.name = 'DatabaseUnavailable';
  }
}
