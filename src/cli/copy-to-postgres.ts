import { parseArgs } from 'node:util';
import { redactedUrl } from '../config.js';
import { copyToPostgres, CopyRefused, openSqliteSource, verifyCopy } from '../store/copy-to-postgres.js';
import { openPool } from '../store/postgres-database.js';

/**
 * `npm run copy-to-postgres -- --from data/lrsched.db --to postgres://…`: copies every
 * session and its whole history into an empty PostgreSQL database, then verifies the copy.
 * Stop the service on the SQLite file first: what it writes meanwhile would not be copied.
 * Exits 0 when the copy verifies equal, 1 otherwise.
 */
async function main(): Promise<number> {
  const { values } = parseArgs({ options: { from: { type: 'string' }, to: { type: 'string' } }, strict: true });
  if (!values.from || !values.to) {
    console.error('usage: npm run copy-to-postgres -- --from <sqlite file> --to postgres://user:password@host:port/database');
    return 2;
  }
  const source = openSqliteSource(values.from);
  const pool = openPool({ url: values.to, size: 2 });
  try {
    const started = Date.now();
    const copied = await copyToPostgres(source, pool);
    console.log(`copied ${copied.sessions} sessions and ${copied.historyRows} history rows to ${redactedUrl(values.to)} in ${Date.now() - started} ms`);
    const differences = await verifyCopy(source, pool);
    if (differences.length > 0) {
      console.error(`the copy differs from the original:\n  ${differences.slice(0, 20).join('\n  ')}`);
      return 1;
    }
    console.log('verified: every session and every step of its history reads back equal');
    return 0;
  } finally {
    source.close();
    await pool.end();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof CopyRefused ? `refused: ${error.message}` : error);
    process.exit(1);
  },
);
