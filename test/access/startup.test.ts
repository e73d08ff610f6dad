import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { DatabaseOptions } from '../../src/store/open-store.js';
import { databaseEnvironment, http, spawnServer, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { createTestDatabase, storedText } from '../support/test-database.js';

/**
 * The real server and the operator's command line, as processes: where the service may
 * run open, how it refuses to, and how the first key (made with `npm run keys`) secures it.
 * On the store this run tests: the command line takes DATABASE_URL as the server does.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const running: ServerProcess[] = [];
const databases: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const server of running.splice(0)) {
    server.child.kill('SIGKILL');
    await server.exited;
  }
  for (const remove of databases.splice(0)) await remove();
});

async function freshDatabase(): Promise<DatabaseOptions> {
  const database = await createTestDatabase();
  databases.push(() => database.remove());
  return database.options;
}

async function start(database: DatabaseOptions, env: NodeJS.ProcessEnv = {}): Promise<ServerProcess> {
  const server = await startServerProcess(database, env);
  running.push(server);
  return server;
}

/**
 * The operator's command line on this database: what `npm run keys -- …args` runs (the
 * first test goes through npm itself; the others skip npm's start-up time).
 */
function keys(database: DatabaseOptions, ...args: string[]) {
  return runKeys(process.execPath, ['--import', 'tsx', 'src/cli/keys.ts', ...args], database);
}

function runKeys(command: string, args: string[], database: DatabaseOptions) {
  const env = { ...process.env, ...databaseEnvironment(database) };
  const run = spawnSync(command, args, { cwd: ROOT, env, encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr, json: () => JSON.parse(run.stdout) };
}

/** Runs the server expecting it to exit on its own, and answers its exit code and output. */
async function startExpectingExit(database: DatabaseOptions, env: NodeJS.ProcessEnv) {
  const child = spawnServer(database, env);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  return { code, output };
}

const session = { param_groups: [{ lr: 0.1 }], scheduler: { type: 'StepLR', step_size: 1, gamma: 0.5 } };

describe('starting without any key', () => {
  it('refuses to serve on a non-loopback address, saying how to make the first key', async () => {
    const { code, output } = await startExpectingExit(await freshDatabase(), { HOST: '0.0.0.0' });
    expect(code).toBe(1);
    expect(output).toContain('refusing to serve on 0.0.0.0');
    expect(output).toContain('npm run keys -- create --project default --role admin');
    expect(output).toContain('LRSCHED_ADMIN_KEY');
    expect(output).not.toContain('Server listening');
  });

  it('serves open on loopback as before, and says so when it starts', async () => {
    const server = await start(await freshDatabase(), { HOST: '127.0.0.1' });
    expect(server.logs.join('\n')).toContain('open mode');
    const created = await http(`${server.url}/v1/sessions`, 'POST', session);
    expect(created.status).toBe(201);
    expect(created.body.project).toBe('default');
    const history = await http(`${server.url}/v1/sessions/${created.body.id}/history`, 'GET');
    expect(history.body.items[0].actor).toBeNull();
  });

  it('refuses an LRSCHED_ADMIN_KEY shorter than 32 characters', async () => {
    const { code, output } = await startExpectingExit(await freshDatabase(), { HOST: '0.0.0.0', LRSCHED_ADMIN_KEY: 'short' });
    expect(code).toBe(1);
    expect(output).toContain('LRSCHED_ADMIN_KEY: must be at least 32 characters');
  });
});

describe('npm run keys, then the server', () => {
  it('makes the first admin key, and a server on 0.0.0.0 then serves only with a token', async () => {
    const database = await freshDatabase();
    const made = runKeys(
      'npm',
      ['run', '--silent', 'keys', '--', 'create', '--project', 'default', '--role', 'admin', '--name', 'ops'],
      database,
    );
    expect(made.status, made.stderr).toBe(0);
    expect(made.stderr).toContain('shown only this once');
    const admin = made.json();
    expect(admin).toMatchObject({ project: 'default', role: 'admin', name: 'ops', revoked_at: null });
    expect(admin.token).toMatch(/^lrs_[A-Za-z0-9_-]{43}$/);

    const server = await start(database, { HOST: '0.0.0.0' });
    expect(server.logs.join('\n')).not.toContain('open mode');
    expect((await http(`${server.url}/healthz`, 'GET')).status).toBe(200);
    expect((await http(`${server.url}/openapi.json`, 'GET')).status).toBe(200);
    expect((await http(`${server.url}/v1/sessions`, 'GET')).status).toBe(401);
    const created = await http(`${server.url}/v1/sessions`, 'POST', session, admin.token);
    expect(created.status).toBe(201);

    // The command line works on the database the running server uses: a key it makes
    // is accepted at once, and revoked with it, refused from the next request on.
    expect(keys(database, 'projects', 'create', 'vision').status).toBe(0);
    const writer = keys(database, 'create', '--project', 'vision', '--role', 'write', '--name', 'ci').json();
    expect((await http(`${server.url}/v1/sessions`, 'POST', session, writer.token)).status).toBe(201);
    const listed = keys(database, 'list').json();
    expect(listed.items.map((k: { id: string }) => k.id)).toEqual([admin.id, writer.id]);
    expect(JSON.stringify(listed)).not.toContain('lrs_');
    const revoked = keys(database, 'revoke', writer.id);
    expect(revoked.status).toBe(0);
    expect(revoked.json().revoked_at).toEqual(expect.any(String));
    const refused = await http(`${server.url}/v1/sessions`, 'GET', undefined, writer.token);
    expect(refused.status).toBe(401);
    expect(refused.body.detail).toContain('revoked');

    // Revoking every key does not reopen the service.
    keys(database, 'revoke', admin.id);
    expect((await http(`${server.url}/v1/sessions`, 'GET')).status).toBe(401);

    const projects = keys(database, 'projects').json();
    expect(projects.items.map((p: { name: string }) => p.name)).toEqual(['default', 'vision']);
    server.child.kill('SIGTERM');
    await server.exited;
    expect(await storedText(database)).not.toContain(admin.token);
  });

  it('serves on 0.0.0.0 with LRSCHED_ADMIN_KEY alone, and accepts it as an admin token', async () => {
    const adminToken = 'x'.repeat(20) + 'y'.repeat(20);
    const server = await start(await freshDatabase(), { HOST: '0.0.0.0', LRSCHED_ADMIN_KEY: adminToken });
    expect((await http(`${server.url}/v1/sessions`, 'POST', session)).status).toBe(401);
    const created = await http(`${server.url}/v1/sessions`, 'POST', session, adminToken);
    expect(created.status).toBe(201);
    const history = await http(`${server.url}/v1/sessions/${created.body.id}/history`, 'GET', undefined, adminToken);
    expect(history.body.items[0].actor).toBe('LRSCHED_ADMIN_KEY');
    expect(server.logs.join('\n')).not.toContain(adminToken);
  });

  it('explains its mistakes: unknown commands and options, a missing project, an unknown key', async () => {
    const database = await freshDatabase();
    const noCommand = keys(database);
    expect(noCommand.status).toBe(2);
    expect(noCommand.stdout).toContain('usage: npm run keys');
    expect(keys(database, 'frobnicate').stderr).toContain("unknown command 'frobnicate'");
    expect(keys(database, 'create', '--project', 'default', '--role', 'root').stderr).toContain('role');
    expect(keys(database, 'create', '--project', 'default', '--role', 'read', '--colour', 'red').status).toBe(2);
    const missing = keys(database, 'create', '--project', 'nope', '--role', 'read');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("no project 'nope'");
    const unknown = keys(database, 'revoke', 'key_0000');
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain("no key with id 'key_0000'");
    expect(keys(database, 'projects', 'create', 'bad name!').stderr).toContain('must be 1 to 64 letters');
    expect(keys(database, 'list').json()).toEqual({ items: [] });
  });
});
