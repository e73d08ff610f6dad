import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifyOnCommit, PostgresChangeFeed } from '../../src/store/postgres-change-feed.js';
import { migratePostgres, openPool } from '../../src/store/postgres-database.js';
import { createPostgresTestDatabase, type TestDatabase } from '../support/test-database.js';

let database: TestDatabase;
let url: string;
let pool: pg.Pool;
beforeAll(async () => {
  database = await createPostgresTestDatabase();
  url = (database.options as { url: string }).url;
  pool = openPool({ url, size: 2 });
  await migratePostgres(pool);
});
afterAll(async () => {
  await pool.end();
  await database.remove();
});

/** A feed recording what it is told. */
async function startFeed() {
  const notices: unknown[] = [];
  let resumed = 0;
  const feed = new PostgresChangeFeed(url, {
    notice: (notice) => notices.push(notice),
    resumed: () => resumed++,
    failed: () => {},
  });
  await feed.start();
  return { feed, notices, resumed: () => resumed };
}

async function inTransaction(work: (client: pg.PoolClient) => Promise<void>, end: 'COMMIT' | 'ROLLBACK') {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await work(client);
    await client.query(end);
  } finally {
    client.release();
  }
}

async function until(condition: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('PostgresChangeFeed', () => {
  it('delivers, to every feed, the notices of committed transactions in commit order, and none of rolled-back ones', async () => {
    const feeds = [await startFeed(), await startFeed()];
    try {
      await inTransaction((client) => notifyOnCommit(client, { sessionId: 'a', step: 1 }), 'COMMIT');
      await inTransaction((client) => notifyOnCommit(client, { sessionId: 'a', step: 2 }), 'ROLLBACK');
      await inTransaction(async (client) => {
        await notifyOnCommit(client, { sessionId: 'b', step: 1 });
        await notifyOnCommit(client, { sessionId: 'a', step: 2 });
      }, 'COMMIT');
      for (const { notices } of feeds) {
        await until(() => notices.length === 3);
        expect(notices).toEqual([
          { sessionId: 'a', step: 1 },
          { sessionId: 'b', step: 1 },
          { sessionId: 'a', step: 2 },
        ]);
      }
    } finally {
      for (const { feed } of feeds) await feed.close();
    }
  });

  it('refuses a notice PostgreSQL could not carry, instead of failing the commit', async () => {
    await expect(inTransaction((client) => notifyOnCommit(client, { big: 'x'.repeat(8000) }), 'COMMIT')).rejects.toThrow(/at most 7999 bytes/);
  });

  it('listens again after losing its connection, and says so, so that waiters read the database again', async () => {
    const { feed, notices, resumed } = await startFeed();
    try {
      await pool.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'lrsched-change-feed' AND datname = current_database()");
      await until(() => resumed() === 1);
      await inTransaction((client) => notifyOnCommit(client, { sessionId: 'c', step: 9 }), 'COMMIT');
      await until(() => notices.length === 1);
      expect(notices).toEqual([{ sessionId: 'c', step: 9 }]);
    } finally {
      await feed.close();
    }
  });
});
