import { isDeepStrictEqual } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { migratePostgres, openPool } from '../../src/store/postgres-database.js';
import { call, type App } from '../support/app.js';
import { expectHistoryReplays, type Request } from '../support/history-replay.js';
import { createPostgresTestDatabase, storedRows, type TestDatabase } from '../support/test-database.js';

/**
 * Three apps on one PostgreSQL database, each with its own pool: replicas, as far as the
 * database can tell. Requests race through all three at once.
 */

let database: TestDatabase;
let replicas: App[];
beforeAll(async () => {
  database = await createPostgresTestDatabase();
  replicas = await Promise.all([0, 1, 2].map(() => buildApp({ database: database.options })));
});
afterAll(async () => {
  for (const app of replicas) await app.close();
  await database.remove();
});

/** Request `n`, through replica n mod 3. */
const through = (n: number): Request => (method, path, body) => call(replicas[n % 3] as App, method, path, body);

async function create(body: object = {}): Promise<string> {
  const answer = await through(0)('POST', '/v1/sessions', {
    param_groups: [{ lr: 0.1 }],
    scheduler: { type: 'ReduceLROnPlateau', patience: 1, factor: 0.5 },
    ...body,
  });
  expect(answer.status).toBe(201);
  return answer.body.id;
}

describe('replicas on one PostgreSQL database', () => {
  it('migrate one at a time under the advisory lock: started together, one applies each migration once', async () => {
    const fresh = await createPostgresTestDatabase();
    const pools = [0, 1, 2, 3, 4].map(() => openPool({ url: (fresh.options as { url: string }).url, size: 1 }));
    try {
      const applied = await Promise.all(pools.map((pool) => migratePostgres(pool)));
      expect(applied.flat().sort()).toEqual(applied.find((names) => names.length > 0)!.sort());
      expect(applied.filter((names) => names.length > 0)).toHaveLength(1);
      const { rows } = await (pools[0] as pg.Pool).query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
      expect(rows.map((row) => row.version)).toEqual(applied.flat().map((name) => Number.parseInt(name, 10)).sort((a, b) => a - b));
    } finally {
      for (const pool of pools) await pool.end();
      await fresh.remove();
    }
  });

  it('apply concurrent steps of one session one after the other: no step lost, none doubled', async () => {
    const id = await create();
    const answers = await Promise.all(
      Array.from({ length: 45 }, (_, n) => through(n)('POST', `/v1/sessions/${id}/step`, { metric: 1 / (n + 1) })),
    );
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    expect(answers.map((a) => a.body.step).sort((a, b) => a - b)).toEqual(answers.map((_, k) => k + 1));
    const history = await expectHistoryReplays(through(1), id);
    // Each answer is the state its own report made.
    for (const answer of answers) expect(history[answer.body.step].state).toEqual({ ...answer.body, replayed: undefined });
  });

  it('answer racing retries of one step once as applied and otherwise as replays, and a different report 409', async () => {
    const id = await create();
    await through(0)('POST', `/v1/sessions/${id}/step`, { metric: 3, expected_step: 0 });
    for (let expected = 1; expected <= 5; expected++) {
      const same = { metric: 2 / expected, expected_step: expected };
      const answers = await Promise.all([
        ...[0, 1, 2, 3, 4, 5].map((n) => through(n)('POST', `/v1/sessions/${id}/step`, same)),
        through(expected)('POST', `/v1/sessions/${id}/step`, { metric: 7, expected_step: expected }),
      ]);
      const applied = answers.filter((a) => a.status === 200 && a.body.replayed === false);
      expect(applied).toHaveLength(1);
      expect(applied[0]!.body.step).toBe(expected + 1);
      for (const answer of answers) {
        if (answer.status === 200) expect({ ...answer.body, replayed: false }).toEqual(applied[0]!.body);
        else expect(answer.status).toBe(409);
      }
    }
    const history = await expectHistoryReplays(through(2), id);
    expect(history).toHaveLength(7);
  });

  it('keep keys unique: creates with one key racing through every replica make one session', async () => {
    const body = { key: 'race-key', param_groups: [{ lr: 0.1 }], scheduler: { type: 'StepLR', step_size: 2 } };
    const answers = await Promise.all(Array.from({ length: 12 }, (_, n) => through(n)('POST', '/v1/sessions', body)));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(11);
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    const other = await Promise.all(
      [0, 1, 2].map((n) => through(n)('POST', '/v1/sessions', { ...body, scheduler: { type: 'StepLR', step_size: 3 } })),
    );
    expect(other.map((a) => a.status)).toEqual([409, 409, 409]);
  });

  it('rewind atomically while steps race: the history stays whole and replays', async () => {
    const id = await create();
    for (let k = 0; k < 10; k++) await through(k)('POST', `/v1/sessions/${id}/step`, { metric: 10 - k });
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, n) =>
        n % 5 === 0
          ? through(n)('POST', `/v1/sessions/${id}/rewind`, { to_step: 3 })
          : through(n)('POST', `/v1/sessions/${id}/step`, { metric: n }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    await expectHistoryReplays(through(0), id);
  });

  it('delete atomically while steps race: every step after the delete is 404, and its rows are swept', async () => {
    const before = await storedRows(database.options);
    const id = await create();
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, n) =>
        n === 10 ? through(n)('DELETE', `/v1/sessions/${id}`) : through(n)('POST', `/v1/sessions/${id}/step`, { metric: n }),
      ),
    );
    expect(answers[10]!.status).toBe(204);
    for (const answer of answers) expect([200, 204, 404]).toContain(answer.status);
    expect((await through(1)('GET', `/v1/sessions/${id}`)).status).toBe(404);
    // The deleting replica's sweeper removes the rows in the background.
    for (let waited = 0; !isDeepStrictEqual(await storedRows(database.options), before); waited += 50) {
      expect(waited, 'the deleted session was never swept').toBeLessThan(10_000);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
});
