import type { TestProject } from 'vitest/node';
import { startPostgresServer } from './postgres-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A PostgreSQL server's URL (of a database the tests may create databases from), for the postgres project. */
    postgresAdminUrl: string;
  }
}

/**
 * One PostgreSQL server for the whole run of the postgres project: TEST_DATABASE_URL's
 * when set (its user must be allowed to create databases), else one started here and
 * removed at the end. Every test file makes its own databases on it (test-database.ts).
 */
export default function setup(project: TestProject): () => void {
  const given = process.env.TEST_DATABASE_URL;
  if (given) {
    project.provide('postgresAdminUrl', given);
    return () => {};
  }
  const server = startPostgresServer();
  project.provide('postgresAdminUrl', server.url());
  return () => server.remove();
}
