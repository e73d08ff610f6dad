import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { KnownKeys } from '../../src/access/known-keys.js';
import { tokenDigest } from '../../src/access/tokens.js';
import type { DatabaseOptions } from '../../src/store/open-store.js';
import { openStore } from '../../src/store/open-store.js';
import { PostgresSessionStore } from '../../src/store/postgres-store.js';
import type { SessionStore } from '../../src/store/session-store.js';
import { SqliteSessionStore } from '../../src/store/sqlite-store.js';
import { callAs, freshApps } from '../support/app.js';
import { databaseEnvironment, http, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { TEST_STORE } from '../support/test-database.js';

/**
 * Authentication keeps what it read of keys (access/known-keys.ts): a request with a known
 * token reads no database, and yet a new key, a revocation or a first key ending open mode
 * holds from the very next request, whichever process made the change. On the store this
 * run tests, with real processes where the change comes from another one.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ADMIN = 'an-admin-token-of-at-least-32-characters';
const stepLr = { param_groups: [{ lr: 0.1 }], scheduler: { type: 'StepLR', step_size: 2 } };

const { freshDatabase, appOn, afterTest } = freshApps();
afterEach(() => vi.restoreAllMocks());

async function serverOn(database: DatabaseOptions): Promise<ServerProcess> {
  const server = await startServerProcess(database);
  afterTest(async () => {
    server.child.kill('SIGTERM');
    await server.exited;
  });
  return server;
}

/** The operator's command line (`npm run keys -- …args`), a process of its own on `database`. */
function keysCommand(database: DatabaseOptions, ...args: string[]) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/keys.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...databaseEnvironment(database) },
    encoding: 'utf8',
  });
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout);
}

/** The class of the store this run tests: its methods are counted on every instance, the app's too. */
const StoreClass = TEST_STORE === 'postgres' ? PostgresSessionStore : SqliteSessionStore;

/** Counts the store's units of work (each call of these methods, the real ones running as ever). */
function countStoreUnits() {
  const spies = {
    lookup: vi.spyOn(StoreClass.prototype, 'lookup'),
    snapshot: vi.spyOn(StoreClass.prototype, 'snapshot'),
    transaction: vi.spyOn(StoreClass.prototype, 'transaction'),
  };
  return () => ({
    lookups: spies.lookup.mock.calls.length,
    snapshots: spies.snapshot.mock.calls.length,
    transactions: spies.transaction.mock.calls.length,
  });
}

describe('a request with a known token', () => {
  it('steps with no store work for authentication: on SQLite none, on PostgreSQL one statement', async () => {
    const app = await appOn(await freshDatabase());
    // Made in open mode, this key ends it: authentication also checks, on every request, that a key exists.
    const writer = (await callAs(app, undefined, 'POST', '/v1/keys', { project: 'default', role: 'write' })).body;
    const { id } = (await callAs(app, writer.token, 'POST', '/v1/sessions', stepLr)).body;
    const units = countStoreUnits();
    const steps = 20;
    for (let step = 0; step < steps; step++) {
      const answer = await callAs(app, writer.token, 'POST', `/v1/sessions/${id}/step`, { expected_step: step });
      expect(answer.status).toBe(200);
    }
    // Each step is its own one transaction; nothing else, but PostgreSQL's reading the key afresh.
    expect(units()).toEqual({ transactions: steps, snapshots: 0, lookups: TEST_STORE === 'postgres' ? steps : 0 });
  });
});

describe('what another process changes holds at the next request', () => {
  it('a revocation, a new key and a first key by the command line', async () => {
    const database = await freshDatabase();
    const app = await appOn(database);
    // Open mode, known to hold: served again without reading whether a key exists (SQLite).
    expect((await callAs(app, undefined, 'GET', '/v1/sessions')).status).toBe(200);
    const units = countStoreUnits();
    expect((await callAs(app, undefined, 'GET', '/v1/sessions')).status).toBe(200);
    expect(units().lookups).toBe(TEST_STORE === 'postgres' ? 1 : 0);

    const admin = keysCommand(database, 'create', '--project', 'default', '--role', 'admin');
    expect((await callAs(app, undefined, 'GET', '/v1/sessions')).status).toBe(401);
    expect((await callAs(app, admin.token, 'GET', '/v1/sessions')).status).toBe(200);

    const reader = keysCommand(database, 'create', '--project', 'default', '--role', 'read');
    expect((await callAs(app, reader.token, 'GET', '/v1/sessions')).status).toBe(200);
    const before = units().lookups;
    expect((await callAs(app, reader.token, 'GET', '/v1/sessions')).status).toBe(200);
    // The reader is known now: no lookup on SQLite, and so its revocation must drop what was kept.
    expect(units().lookups - before).toBe(TEST_STORE === 'postgres' ? 1 : 0);
    keysCommand(database, 'revoke', reader.id);
    const refused = await callAs(app, reader.token, 'GET', '/v1/sessions');
    expect(refused.status).toBe(401);
    expect(refused.body.detail).toContain('revoked');
    expect((await callAs(app, admin.token, 'GET', '/v1/sessions')).status).toBe(200);
  });

  it('through replica A: a first key ends open mode on B, a revocation is refused by B, at their next request', async () => {
    const database = await freshDatabase();
    const [a, b] = await Promise.all([serverOn(database), serverOn(database)]);
    const on = (server: ServerProcess) => (path: string, method = 'GET', body?: unknown, token?: string) =>
      http(`${server.url}${path}`, method, body, token);
    const [onA, onB] = [on(a), on(b)];
    expect((await onB('/v1/sessions')).status).toBe(200);
    const admin = (await onA('/v1/keys', 'POST', { project: 'default', role: 'admin' })).body;
    expect((await onB('/v1/sessions')).status).toBe(401);
    for (let round = 0; round < 5; round++) {
      const writer = (await onA('/v1/keys', 'POST', { project: 'default', role: 'write' }, admin.token)).body;
      // Known to B (kept there on SQLite) before A revokes it.
      expect((await onB('/v1/sessions', 'POST', stepLr, writer.token)).status).toBe(201);
      expect((await onB('/v1/sessions', 'GET', undefined, writer.token)).status).toBe(200);
      expect((await onA(`/v1/keys/${writer.id}`, 'DELETE', undefined, admin.token)).status).toBe(204);
      const refused = await onB('/v1/sessions', 'GET', undefined, writer.token);
      expect(refused.status).toBe(401);
      expect(refused.body.detail).toContain('revoked');
    }
  });
});

describe('the store', () => {
  it.runIf(TEST_STORE === 'postgres')('PostgreSQL: a lookup is one statement, without BEGIN or COMMIT', async () => {
    const store = await openStore(await freshDatabase());
    afterTest(() => store.close());
    const queries = vi.spyOn(pg.Client.prototype, 'query');
    expect(await store.lookup((reads) => reads.keyByDigest(tokenDigest('lrs_unknown')))).toBeUndefined();
    expect(queries.mock.calls.map(([query]) => (typeof query === 'string' ? query : (query as pg.QueryConfig).text))).toEqual([
      expect.stringMatching(/^SELECT .* FROM api_keys WHERE token_sha256 = \$1$/),
    ]);
    // Nothing read of keys may be kept: another replica may change them unseen.
    expect(store.accessVersion()).toBeUndefined();
  });

  it.runIf(TEST_STORE === 'sqlite')(
    "SQLite: the access version changes with this connection's key and project changes and any other connection's commit, not with its own session changes",
    async () => {
      const database = await freshDatabase();
      if (database.kind !== 'sqlite') throw new Error('an SQLite database');
      const store = await openStore(database);
      afterTest(() => store.close());
      const app = await appOn(database, ADMIN);
      const first = store.accessVersion();
      expect(first).toBeDefined();
      expect(store.accessVersion()).toBe(first);

      // Another connection's commit: the app's session (a step included) and key.
      const { id } = (await callAs(app, ADMIN, 'POST', '/v1/sessions', stepLr)).body;
      const afterOthers = store.accessVersion();
      expect(afterOthers).not.toBe(first);
      await callAs(app, ADMIN, 'POST', `/v1/sessions/${id}/step`, { expected_step: 0 });
      expect(store.accessVersion()).not.toBe(afterOthers);

      // Its own commits: a change of sessions (a delete) leaves it, a project changes it.
      const own = store.accessVersion();
      expect(await store.transaction((tx) => tx.markDeleted(id, new Date().toISOString()))).toBe(true);
      expect(store.accessVersion()).toBe(own);
      await store.transaction((tx) => tx.insertProject({ name: 'vision', created_at: new Date().toISOString() }));
      expect(store.accessVersion()).not.toBe(own);
      const afterProject = store.accessVersion();
      await store.snapshot(async (reads) => {
        // Inside a group's transaction, which holds the file's write lock: the file as it is, nothing older.
        expect(store.accessVersion()).toBe(afterProject);
        return reads.projects();
      });
      expect(store.accessVersion()).toBe(afterProject);

      // Any commit of a connection of another process (here, of the test's own) changes it too.
      const raw = new Database(database.path);
      afterTest(() => raw.close());
      raw.prepare("INSERT INTO projects (name, created_at) VALUES ('audio', '2026-01-01T00:00:00.000Z')").run();
      expect(store.accessVersion()).not.toBe(afterProject);
    },
  );

  it.runIf(TEST_STORE === 'sqlite')('SQLite: known keys keep at most their capacity, the least recently used dropped first', async () => {
    const store: SessionStore = await openStore(await freshDatabase());
    afterTest(() => store.close());
    const lookups = vi.spyOn(store, 'lookup');
    const keys = new KnownKeys(store, 2);
    const [a, b, c] = ['a', 'b', 'c'].map((name) => tokenDigest(`lrs_${name}`)) as [string, string, string];
    for (const digest of [a, b, a, c]) expect(await keys.withDigest(digest)).toBeUndefined();
    expect(lookups).toHaveBeenCalledTimes(3); // a, b, c: the second a was known
    // c pushed out b, the least recently used (a was used after it); a and c are kept.
    await keys.withDigest(a);
    await keys.withDigest(c);
    expect(lookups).toHaveBeenCalledTimes(3);
    await keys.withDigest(b);
    expect(lookups).toHaveBeenCalledTimes(4);
  });
});
