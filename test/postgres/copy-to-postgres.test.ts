import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newToken, tokenDigest } from '../../src/access/tokens.js';
import { buildApp } from '../../src/app.js';
import { startSchedule, advanceSchedule } from '../../src/schedulers/schedule.js';
import { schedulerConfig } from '../../src/schedulers/registry.js';
import { openSqliteSource, verifyCopy } from '../../src/store/copy-to-postgres.js';
import { openDatabase } from '../../src/store/database.js';
import { openPool } from '../../src/store/postgres-database.js';
import { SqliteSessionStore } from '../../src/store/sqlite-store.js';
import { callAs } from '../support/app.js';
import { tempDir } from '../support/temp-dir.js';
import { createPostgresTestDatabase, storedRows, type TestDatabase } from '../support/test-database.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SESSIONS = 1000;
/** The token of the admin key the SQLite database holds: it goes along, so the copy answers it too. */
const ADMIN_TOKEN = newToken();

const CONFIGS = [
  { type: 'ReduceLROnPlateau', patience: 1, factor: 0.5 },
  { type: 'OneCycleLR', max_lr: 0.1, total_steps: 100 },
  { type: 'LambdaLR', lr_lambda: '0.95 ** epoch' },
  { type: 'CosineAnnealingWarmRestarts', T_0: 3 },
];

/** An SQLite database as the service leaves it: 1000 sessions of several types, each with a history of its own length; answers the steps they hold. */
async function sqliteWithSessions(path: string): Promise<number> {
  const store = new SqliteSessionStore(openDatabase(path));
  let steps = 0;
  await store.transaction(async (tx) => {
    // Projects, keys (their digests) and the audit log go along.
    const made = '2026-01-01T00:00:00.000Z';
    await tx.insertProject({ name: 'vision', created_at: made });
    await tx.insertKey({ id: 'key_1', token_sha256: tokenDigest(ADMIN_TOKEN), project: 'default', role: 'admin', name: 'ops', created_at: made });
    await tx.recordAudit({ at: made, actor: 'cli', action: 'key.create', project: 'vision', subject: 'key_1', detail: { role: 'write' } });
    for (let n = 0; n < SESSIONS + 1; n++) {
      const config = schedulerConfig.parse(CONFIGS[n % CONFIGS.length]);
      let schedule = startSchedule(config, [{ lr: 0.1 + n / 1e4, momentum: 0.9 }]);
      let session = (await tx.insert({
        id: `session-${n}`,
        project: n % 4 === 0 ? 'vision' : 'default',
        key: n % 3 === 0 ? `run-${n}` : null,
        name: n % 5 === 0 ? `naïve ✓ ${n}` : null,
        metadata: { n, tags: ['a', 'b'], nested: { deep: [1.5, -0, 1e-300] } },
        param_groups: [{ lr: 0.1 + n / 1e4, momentum: 0.9 }],
        requested_with_references: n % 7 === 0 ? JSON.stringify({ scheduler: { from_range_test: n } }) : null,
        schedule,
        at: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
        actor: n % 2 === 0 ? 'key_1' : null,
      }))!;
      for (let k = 0; k < n % 37; k++) {
        // NaN and infinite metrics too: they are stored spelled out.
        const metric = k % 11 === 10 ? Number.NaN : k % 13 === 12 ? Number.POSITIVE_INFINITY : 1 / (k + 1);
        const plateau = config.type === 'ReduceLROnPlateau';
        schedule = advanceSchedule(schedule, plateau ? { metric } : {});
        await tx.appendStep(session, schedule, plateau ? { metric, metrics: { acc: k / 10 } } : {}, new Date(Date.UTC(2026, 0, 2, 0, n, k)).toISOString(), k % 2 === 0 ? 'key_1' : null);
        session = { ...session, step: session.step + 1 };
        if (n < SESSIONS) steps++;
      }
    }
    // The newest is deleted: SQLite's counter then runs ahead of the largest seq left.
    await tx.markDeleted(`session-${SESSIONS}`, new Date(Date.UTC(2026, 0, 3)).toISOString());
  });
  await store.close();
  return steps;
}

let dir: { dir: string; remove: () => void };
let sqlitePath: string;
let steps: number;
let target: TestDatabase;
let url: string;
beforeAll(async () => {
  dir = tempDir();
  sqlitePath = join(dir.dir, 'lrsched.db');
  steps = await sqliteWithSessions(sqlitePath);
  target = await createPostgresTestDatabase();
  url = (target.options as { url: string }).url;
});
afterAll(async () => {
  await target.remove();
  dir.remove();
});

const copyCommand = () =>
  spawnSync('npm', ['run', '--silent', 'copy-to-postgres', '--', '--from', sqlitePath, '--to', url], { cwd: ROOT, encoding: 'utf8' });

describe('npm run copy-to-postgres', () => {
  it('copies 1000 sessions with their whole histories and verifies the copy equal', async () => {
    const copy = copyCommand();
    expect(copy.stderr).toBe('');
    expect(copy.status).toBe(0);
    expect(copy.stdout).toContain(`copied ${SESSIONS} sessions and ${SESSIONS + steps} history rows`);
    expect(copy.stdout).toContain('verified');
    expect(await storedRows(target.options)).toEqual({ sessions: SESSIONS, history: SESSIONS + steps });
  });

  it('leaves a database the service continues on: the same answers, and new sessions after the copied ones', async () => {
    const app = await buildApp({ database: target.options });
    const sqliteApp = await buildApp({ database: { kind: 'sqlite', path: sqlitePath } });
    try {
      for (const path of ['/v1/sessions/session-3', '/v1/sessions/session-998/history?limit=1000', '/v1/sessions?limit=500', '/v1/sessions/session-21/state_dict']) {
        expect((await callAs(app, ADMIN_TOKEN, 'GET', path)).body, path).toEqual((await callAs(sqliteApp, ADMIN_TOKEN, 'GET', path)).body);
      }
      const keyed = await callAs(app, ADMIN_TOKEN, 'POST', '/v1/sessions', { key: 'run-3', param_groups: [{ lr: 0.1003, momentum: 0.9 }], scheduler: CONFIGS[3] });
      expect([keyed.status, keyed.body.id]).toEqual([200, 'session-3']);
      const stepped = await callAs(app, ADMIN_TOKEN, 'POST', '/v1/sessions/session-4/step', { metric: 1 });
      expect(stepped.body.step).toBe((4 % 37) + 1);
      const created = await callAs(app, ADMIN_TOKEN, 'POST', '/v1/sessions', { param_groups: [{ lr: 1 }], scheduler: { type: 'StepLR', step_size: 1 } });
      expect(created.status).toBe(201);
      const newest = await callAs(app, ADMIN_TOKEN, 'GET', '/v1/sessions?limit=2');
      expect(newest.body.items.map((s: { id: string }) => s.id)).toEqual([created.body.id, `session-${SESSIONS - 1}`]);
      // The deleted newest session's seq is not handed out again.
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      const { rows } = await client.query<{ seq: string }>('SELECT seq FROM sessions WHERE id = $1', [created.body.id]);
      await client.end();
      expect(Number(rows[0]!.seq)).toBe(SESSIONS + 2);
    } finally {
      await app.close();
      await sqliteApp.close();
    }
  });

  it('verifies for real: a changed step or a missing session is reported', async () => {
    const fresh = await createPostgresTestDatabase();
    const freshUrl = (fresh.options as { url: string }).url;
    const pool = openPool({ url: freshUrl, size: 2 });
    const source = openSqliteSource(sqlitePath);
    try {
      const copy = spawnSync('npm', ['run', '--silent', 'copy-to-postgres', '--', '--from', sqlitePath, '--to', freshUrl], { cwd: ROOT, encoding: 'utf8' });
      expect(copy.status).toBe(0);
      expect(await verifyCopy(source, pool)).toEqual([]);
      await pool.query(`UPDATE history SET report = '{"metric":0.25}' WHERE session_seq = 9 AND step = 3`);
      await pool.query(`DELETE FROM sessions WHERE id = 'session-500'`);
      expect(await verifyCopy(source, pool)).toEqual(['session session-500 is missing', 'the history of session session-8 differs']);
    } finally {
      source.close();
      await pool.end();
      await fresh.remove();
    }
  });

  it('refuses to copy into a database that holds sessions, changing nothing', async () => {
    const before = await storedRows(target.options);
    const again = copyCommand();
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('refused: the PostgreSQL database holds sessions or keys already');
    expect(await storedRows(target.options)).toEqual(before);
  });
});
