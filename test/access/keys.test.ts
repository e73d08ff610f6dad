import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { readConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { isLoopback } from '../../src/plugins/authentication.js';
import type { DatabaseOptions } from '../../src/store/open-store.js';
import { callAs, freshApps } from '../support/app.js';
import { selectRows } from '../support/test-database.js';

/** Keys, projects, open mode, isolation and the audit trail, through the HTTP API, on the store this run tests. */

const ADMIN = 'an-admin-token-of-at-least-32-characters';

const { freshDatabase, appOn } = freshApps();

const stepLr = { param_groups: [{ lr: 0.1 }], scheduler: { type: 'StepLR', step_size: 2 } };

/** An app with LRSCHED_ADMIN_KEY, projects alpha and beta, and a key per role asked for. */
async function securedApp() {
  const database = await freshDatabase();
  const app = await appOn(database, ADMIN);
  for (const name of ['alpha', 'beta']) await callAs(app, ADMIN, 'POST', '/v1/projects', { name });
  const key = async (project: string, role: string, name?: string) => {
    const made = await callAs(app, ADMIN, 'POST', '/v1/keys', { project, role, ...(name ? { name } : {}) });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    return made.body as { id: string; token: string };
  };
  return { app, database, key };
}

/** The audit log as stored, detail and time as their text on both stores. */
function auditRows(database: DatabaseOptions) {
  return selectRows<{ actor: string | null; action: string; project: string; subject: string; detail: string; at: string }>(
    database,
    'SELECT actor, action, project, subject, CAST(detail AS TEXT) AS detail, CAST(at AS TEXT) AS at FROM audit_log ORDER BY seq',
  );
}

describe('open mode', () => {
  it('serves without a token while no key exists, and ends for good with the first key', async () => {
    const app = await appOn(await freshDatabase());
    const created = await callAs(app, undefined, 'POST', '/v1/sessions', stepLr);
    expect(created.status).toBe(201);
    expect(created.body.project).toBe('default');
    // Open mode is everything anyone could do before keys existed, making the first key included.
    const first = await callAs(app, undefined, 'POST', '/v1/keys', { project: 'default', role: 'admin' });
    expect(first.status).toBe(201);
    expect((await callAs(app, undefined, 'GET', `/v1/sessions/${created.body.id}`)).status).toBe(401);
    expect((await callAs(app, first.body.token, 'GET', `/v1/sessions/${created.body.id}`)).status).toBe(200);
    expect((await callAs(app, first.body.token, 'DELETE', `/v1/keys/${first.body.id}`)).status).toBe(204);
    expect((await callAs(app, undefined, 'GET', '/v1/sessions')).status).toBe(401);
    expect((await callAs(app, undefined, 'GET', '/healthz')).status).toBe(200);
  });

  it('ignores a token while open, as it did before keys existed', async () => {
    const app = await appOn(await freshDatabase());
    const answer = await callAs(app, 'lrs_meant-for-another-deployment', 'POST', '/v1/sessions', stepLr);
    expect(answer.status).toBe(201);
    const history = await callAs(app, 'lrs_meant-for-another-deployment', 'GET', `/v1/sessions/${answer.body.id}/history`);
    expect(history.body.items[0].actor).toBeNull();
  });
});

describe('tokens', () => {
  it('are lrs_ plus 32 random bytes, shown once; listings show ids, roles and revocations only', async () => {
    const { app, key } = await securedApp();
    const a = await key('alpha', 'read', 'dashboard');
    const b = await key('alpha', 'read');
    for (const made of [a, b]) expect(made.token).toMatch(/^lrs_[A-Za-z0-9_-]{43}$/);
    expect(a.token).not.toBe(b.token);
    expect(a.id).toMatch(/^key_[0-9a-f]{16}$/);
    await callAs(app, ADMIN, 'DELETE', `/v1/keys/${b.id}`);
    const listed = await callAs(app, ADMIN, 'GET', '/v1/keys');
    expect(listed.body.items).toEqual([
      { id: a.id, project: 'alpha', role: 'read', name: 'dashboard', created_at: expect.any(String), revoked_at: null },
      { id: b.id, project: 'alpha', role: 'read', name: null, created_at: expect.any(String), revoked_at: expect.any(String) },
    ]);
    expect(JSON.stringify(listed.body)).not.toContain('lrs_');
  });

  it('answer 401 with a Bearer challenge when missing, malformed, unknown or revoked', async () => {
    const { app, key } = await securedApp();
    const { id, token } = await key('alpha', 'read');
    expect((await callAs(app, token, 'GET', '/v1/sessions')).status).toBe(200);
    await callAs(app, ADMIN, 'DELETE', `/v1/keys/${id}`);
    const cases: [Record<string, string>, string, string][] = [
      [{}, 'Bearer realm="lrsched"', 'send Authorization: Bearer <token>'],
      [{ authorization: `Basic ${token}` }, 'Bearer realm="lrsched", error="invalid_request"', '"Bearer <token>"'],
      [{ authorization: 'Bearer' }, 'Bearer realm="lrsched", error="invalid_request"', '"Bearer <token>"'],
      [{ authorization: `Bearer ${token}x` }, 'Bearer realm="lrsched", error="invalid_token"', 'not known'],
      [{ authorization: `Bearer ${token}` }, 'Bearer realm="lrsched", error="invalid_token"', 'revoked'],
    ];
    for (const [headers, challenge, detail] of cases) {
      const answer = await app.inject({ method: 'GET', url: '/v1/sessions', headers });
      expect(answer.statusCode).toBe(401);
      expect(answer.headers['www-authenticate']).toBe(challenge);
      expect(answer.json()).toMatchObject({ type: 'urn:lrsched:problem:unauthorized', status: 401 });
      expect(answer.json().detail).toContain(detail);
      expect(answer.body).not.toContain(token);
    }
  });

  it('are not needed for health, the OpenAPI document, the docs and the dashboard', async () => {
    const { app } = await securedApp();
    expect((await callAs(app, undefined, 'GET', '/healthz')).status).toBe(200);
    expect((await callAs(app, undefined, 'GET', '/openapi.json')).status).toBe(200);
    expect([200, 302]).toContain((await app.inject({ method: 'GET', url: '/docs' })).statusCode);
    // Built or not (this app's dashboard folder may be empty), / answers without asking for a key.
    const dashboard = await app.inject({ method: 'GET', url: '/' });
    expect(dashboard.statusCode).not.toBe(401);
    expect(dashboard.headers['www-authenticate']).toBeUndefined();
    expect((await callAs(app, undefined, 'GET', '/v1/sessions')).status).toBe(401);
  });

  it('take the scheme name in any case', async () => {
    const { app, key } = await securedApp();
    const { token } = await key('alpha', 'read');
    const answer = await app.inject({ method: 'GET', url: '/v1/sessions', headers: { authorization: `bearer ${token}` } });
    expect(answer.statusCode).toBe(200);
  });

  it('are refused from the next request on once revoked, by every process on the database', async () => {
    const { app, database, key } = await securedApp();
    const replica = await appOn(database, ADMIN);
    const { id, token } = await key('alpha', 'write');
    expect((await callAs(replica, token, 'GET', '/v1/sessions')).status).toBe(200);
    expect((await callAs(app, ADMIN, 'DELETE', `/v1/keys/${id}`)).status).toBe(204);
    expect((await callAs(replica, token, 'GET', '/v1/sessions')).status).toBe(401);
    // Revoking again changes nothing, and is not an error.
    expect((await callAs(replica, ADMIN, 'DELETE', `/v1/keys/${id}`)).status).toBe(204);
    expect((await auditRows(database)).filter((r) => r.action === 'key.revoke')).toHaveLength(1);
    expect((await callAs(app, ADMIN, 'DELETE', '/v1/keys/key_0123456789abcdef')).status).toBe(404);
  });
});

describe('roles', () => {
  it('403 names the role needed and the role the key has', async () => {
    const { app, key } = await securedApp();
    const reader = await key('alpha', 'read');
    const writer = await key('alpha', 'write');
    const step = await callAs(app, reader.token, 'POST', '/v1/sessions', stepLr);
    expect(step.status).toBe(403);
    expect(step.body).toMatchObject({ type: 'urn:lrsched:problem:forbidden', status: 403 });
    expect(step.body.detail).toBe("this needs the 'write' role or higher; this key has 'read'");
    const keys = await callAs(app, writer.token, 'GET', '/v1/keys');
    expect(keys.body.detail).toBe("this needs the 'admin' role; this key has 'write'");
  });

  it('guard HEAD like GET', async () => {
    const { app, key } = await securedApp();
    const reader = await key('alpha', 'read');
    expect((await app.inject({ method: 'HEAD', url: '/v1/sessions' })).statusCode).toBe(401);
    const head = await app.inject({ method: 'HEAD', url: '/v1/sessions', headers: { authorization: `Bearer ${reader.token}` } });
    expect(head.statusCode).toBe(200);
  });

  it('are checked before the body: a reader learns nothing from validation', async () => {
    const { app, key } = await securedApp();
    const reader = await key('alpha', 'read');
    expect((await callAs(app, reader.token, 'POST', '/v1/sessions', { nonsense: true })).status).toBe(403);
    expect((await callAs(app, undefined, 'POST', '/v1/sessions', { nonsense: true })).status).toBe(401);
  });
});

describe('projects', () => {
  it('are made once (201, then 200), with names the API can carry', async () => {
    const { app } = await securedApp();
    const made = await callAs(app, ADMIN, 'POST', '/v1/projects', { name: 'vision' });
    expect(made.status).toBe(201);
    expect((await callAs(app, ADMIN, 'POST', '/v1/projects', { name: 'vision' })).body).toEqual(made.body);
    const bad = await callAs(app, ADMIN, 'POST', '/v1/projects', { name: '../x' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe('name');
    const listed = await callAs(app, ADMIN, 'GET', '/v1/projects');
    expect(listed.body.items.map((p: { name: string }) => p.name)).toEqual(['alpha', 'beta', 'default', 'vision']);
  });

  it('must exist before a key is made for one', async () => {
    const { app } = await securedApp();
    const answer = await callAs(app, ADMIN, 'POST', '/v1/keys', { project: 'nowhere', role: 'read' });
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([{ path: 'project', message: expect.stringContaining("no project 'nowhere'") }]);
  });
});

describe('isolation', () => {
  it('the same idempotency key in two projects makes two sessions', async () => {
    const { app, key } = await securedApp();
    const alpha = await key('alpha', 'write');
    const beta = await key('beta', 'write');
    const a = await callAs(app, alpha.token, 'POST', '/v1/sessions', { key: 'run-17', ...stepLr });
    const b = await callAs(app, beta.token, 'POST', '/v1/sessions', { key: 'run-17', ...stepLr });
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.body.id).not.toBe(b.body.id);
    expect([a.body.project, b.body.project]).toEqual(['alpha', 'beta']);
    const again = await callAs(app, beta.token, 'POST', '/v1/sessions', { key: 'run-17', ...stepLr });
    expect([again.status, again.body.id]).toEqual([200, b.body.id]);
  });

  it("pages through the caller's project only", async () => {
    const { app, key } = await securedApp();
    const alpha = await key('alpha', 'write');
    const beta = await key('beta', 'write');
    for (let i = 0; i < 3; i++) {
      await callAs(app, alpha.token, 'POST', '/v1/sessions', stepLr);
      await callAs(app, beta.token, 'POST', '/v1/sessions', stepLr);
    }
    const seen: string[] = [];
    let url = '/v1/sessions?limit=1';
    for (;;) {
      const page = await callAs(app, alpha.token, 'GET', url);
      seen.push(...page.body.items.map((s: { project: string }) => s.project));
      if (page.body.next_cursor === null) break;
      url = `/v1/sessions?limit=1&cursor=${page.body.next_cursor}`;
    }
    expect(seen).toEqual(['alpha', 'alpha', 'alpha']);
    expect((await callAs(app, ADMIN, 'GET', '/v1/sessions')).body.items).toHaveLength(6);
  });
});

describe('the audit trail', () => {
  it('history names the key behind each step; rewinds and deletes leave audit rows', async () => {
    const { app, database, key } = await securedApp();
    const creator = await key('alpha', 'write', 'trainer');
    const resumer = await key('alpha', 'write', 'resumed-trainer');
    const id = (await callAs(app, creator.token, 'POST', '/v1/sessions', stepLr)).body.id;
    await callAs(app, creator.token, 'POST', `/v1/sessions/${id}/step`, { expected_step: 0 });
    await callAs(app, creator.token, 'POST', `/v1/sessions/${id}/step`, { expected_step: 1 });
    await callAs(app, resumer.token, 'POST', `/v1/sessions/${id}/rewind`, { to_step: 1 });
    await callAs(app, resumer.token, 'POST', `/v1/sessions/${id}/step`, { expected_step: 1 });
    await callAs(app, ADMIN, 'POST', `/v1/sessions/${id}/step`, { expected_step: 2 });
    const history = (await callAs(app, creator.token, 'GET', `/v1/sessions/${id}/history`)).body.items;
    expect(history.map((e: { step: number; actor: string }) => [e.step, e.actor])).toEqual([
      [0, creator.id],
      [1, creator.id],
      [2, resumer.id],
      [3, 'LRSCHED_ADMIN_KEY'],
    ]);

    expect((await callAs(app, resumer.token, 'DELETE', `/v1/sessions/${id}`)).status).toBe(204);
    const rows = (await auditRows(database)).filter((r) => r.action.startsWith('session.'));
    expect(rows).toEqual([
      {
        actor: resumer.id,
        action: 'session.rewind',
        project: 'alpha',
        subject: id,
        detail: JSON.stringify({ from_step: 2, to_step: 1 }),
        at: expect.any(String),
      },
      {
        actor: resumer.id,
        action: 'session.delete',
        project: 'alpha',
        subject: id,
        detail: JSON.stringify({ step: 3, key: null, name: null, type: 'StepLR' }),
        at: expect.any(String),
      },
    ]);
    const keyRows = (await auditRows(database)).filter((r) => r.action === 'key.create');
    expect(keyRows.map((r) => [r.actor, r.subject])).toEqual([
      ['LRSCHED_ADMIN_KEY', creator.id],
      ['LRSCHED_ADMIN_KEY', resumer.id],
    ]);
  });
});

describe('logs', () => {
  it('censor the authorization header wherever a request with headers is logged', () => {
    const lines: string[] = [];
    const logger = createLogger('info', { write: (line: string) => void lines.push(line) });
    const headers = { authorization: 'Bearer lrs_secret', 'user-agent': 'curl' };
    logger.info({ req: { method: 'GET', headers } }, 'a request');
    logger.info({ request: { headers } }, 'another');
    logger.info({ headers }, 'just headers');
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      expect(line).not.toContain('lrs_secret');
      expect(line).toContain('[redacted]');
      expect(line).toContain('curl');
    }
  });
});

describe('configuration', () => {
  it('takes LRSCHED_ADMIN_KEY of 32 characters or more; empty is unset', () => {
    expect(readConfig({ LRSCHED_ADMIN_KEY: ADMIN }).LRSCHED_ADMIN_KEY).toBe(ADMIN);
    expect(readConfig({ LRSCHED_ADMIN_KEY: '' }).LRSCHED_ADMIN_KEY).toBeUndefined();
    expect(() => readConfig({ LRSCHED_ADMIN_KEY: 'too-short' })).toThrow(/LRSCHED_ADMIN_KEY: must be at least 32/);
  });

  it('runs open only on loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '0:0:0:0:0:0:0:1']) {
      expect(isLoopback(host), host).toBe(true);
    }
    for (const host of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.2', 'example.com', '128.0.0.1', '::2']) {
      expect(isLoopback(host), host).toBe(false);
    }
  });

  it('refuses to build a service bound elsewhere with no way to authenticate', async () => {
    const database = await freshDatabase();
    await expect(buildApp({ database, host: '0.0.0.0' })).rejects.toThrow(/npm run keys -- create/);
    const app = await buildApp({ database, host: '0.0.0.0', adminToken: ADMIN });
    await app.close();
  });
});
