import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { callAs, type App } from '../support/app.js';
import { createDatabase, startPostgresServer, type PostgresServer } from '../support/postgres-server.js';

/**
 * A PostgreSQL server of this file's own (the shared one must stay up for the other
 * files), stopped and started again under a running app.
 */

/** LRSCHED_ADMIN_KEY: a caller authenticated without the database (open mode reads it on every request, see below). */
const ADMIN_TOKEN = 'an-admin-token-of-at-least-32-characters';

let server: PostgresServer;
let app: App;
beforeAll(async () => {
  server = startPostgresServer();
  const { url } = await createDatabase(server.url(), 'lrsched');
  app = await buildApp({ database: { kind: 'postgres', url, poolSize: 4 }, adminToken: ADMIN_TOKEN });
});
afterAll(async () => {
  await app?.close();
  server?.remove();
});

/** Polls `request` until it answers `status`, for at most `ms`. */
async function eventually<Answer extends { status: number }>(request: () => Promise<Answer>, status: number, ms = 15_000): Promise<Answer> {
  const until = Date.now() + ms;
  for (;;) {
    const answer = await request();
    if (answer.status === status || Date.now() > until) return answer;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('a PostgreSQL restart', () => {
  it('makes requests fail with 503 database-unavailable and Retry-After, and the service recovers by itself', async () => {
    const created = await callAs(app, ADMIN_TOKEN, 'POST', '/v1/sessions', { param_groups: [{ lr: 1 }], scheduler: { type: 'ExponentialLR', gamma: 0.5 } });
    const id = created.body.id as string;
    expect((await callAs(app, ADMIN_TOKEN, 'POST', `/v1/sessions/${id}/step`, { expected_step: 0 })).body.step).toBe(1);

    server.stop();
    for (const [method, path, body] of [
      ['POST', `/v1/sessions/${id}/step`, { expected_step: 1 }],
      ['GET', `/v1/sessions/${id}`, undefined],
      ['GET', '/v1/sessions', undefined],
      ['POST', '/v1/sessions', { param_groups: [{ lr: 1 }], scheduler: { type: 'StepLR', step_size: 1 } }],
      ['GET', '/healthz', undefined],
    ] as const) {
      const answer = await callAs(app, ADMIN_TOKEN, method, path, body);
      expect(answer.status, `${method} ${path}`).toBe(503);
      expect(answer.headers['content-type']).toContain('application/problem+json');
      expect(answer.headers['retry-after']).toBe('1');
      expect(answer.body.type).toBe('urn:lrsched:problem:database-unavailable');
    }
    // A preview naming no range test needs no database, once its caller is known without one:
    // LRSCHED_ADMIN_KEY here. (A key's token is looked up in the database, and open mode asks
    // it on every request whether a key was made meanwhile, so those get 503 too.)
    expect((await callAs(app, ADMIN_TOKEN, 'POST', '/v1/preview', { param_groups: [{ lr: 1 }], scheduler: { type: 'StepLR', step_size: 1 }, steps: 2 })).status).toBe(200);

    server.start();
    expect((await eventually(() => callAs(app, ADMIN_TOKEN, 'GET', '/healthz'), 200)).status).toBe(200);
    const step = await eventually(() => callAs(app, ADMIN_TOKEN, 'POST', `/v1/sessions/${id}/step`, { expected_step: 1 }), 200);
    expect(step.status).toBe(200);
    expect(step.body).toMatchObject({ step: 2, lrs: [0.25], replayed: false });
    const history = await callAs(app, ADMIN_TOKEN, 'GET', `/v1/sessions/${id}/history`);
    expect(history.body.items.map((entry: { step: number }) => entry.step)).toEqual([0, 1, 2]);
  });
});
