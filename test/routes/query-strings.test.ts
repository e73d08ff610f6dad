import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startTestService, type Service } from '../support/app.js';
import { storedRows } from '../support/test-database.js';
import type { DatabaseOptions } from '../../src/store/open-store.js';

let app: Service;
let database: DatabaseOptions;
let close: () => Promise<void>;
let id: string;
beforeAll(async () => {
  ({ app, database, close } = await startTestService());
  id = (await call(app, 'POST', '/v1/sessions', { param_groups: [{ lr: 0.1 }], scheduler: { type: 'StepLR', step_size: 1 } })).body.id;
});
afterAll(async () => close());

const schedule = { param_groups: [{ lr: 0.1 }], scheduler: { type: 'StepLR', step_size: 1 } };

/** A valid body for each route that takes one: only the query string is wrong. */
const BODIES: Record<string, unknown> = {
  'POST /v1/sessions': { ...schedule, key: 'never-created' },
  'POST /v1/sessions/{id}/step': { metric: 1 },
  'POST /v1/sessions/{id}/rewind': { to_step: 0 },
  'POST /v1/preview': { ...schedule, steps: 3 },
  'POST /v1/projects': { name: 'never-created' },
  'POST /v1/keys': { project: 'default', role: 'read' },
};

describe('unknown query parameters', () => {
  it('are refused with 400 naming them, on every route of the OpenAPI document, changing nothing', async () => {
    const document = (await call(app, 'GET', '/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    const routes = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(routes.length).toBeGreaterThanOrEqual(11);
    const before = await storedRows(database);
    for (const route of [...routes, 'GET /openapi.json']) {
      const [method, path] = route.split(' ') as ['GET' | 'POST' | 'DELETE', string];
      const url = `${path.replace('{id}', id).replace('{step}', '0')}?limit=5&key=x&unknown_param=1`;
      const answer = await call(app, method, url, BODIES[route]);
      expect(answer.status, route).toBe(400);
      expect(answer.body.type, route).toBe('urn:lrsched:problem:invalid-request');
      const named = (answer.body.errors as { path: string; message: string }[]).filter((e) => e.path === 'unknown_param');
      expect(named, route).toEqual([{ path: 'unknown_param', message: 'unknown query parameter' }]);
    }
    expect(await storedRows(database)).toEqual(before);
    expect((await call(app, 'GET', `/v1/sessions/${id}`)).body.state.step).toBe(0);
  });

  it('are told apart from the known ones', async () => {
    const answer = await call(app, 'GET', '/v1/sessions?limit=2&order=asc');
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([{ path: 'order', message: 'unknown query parameter' }]);
    expect((await call(app, 'GET', `/v1/sessions/${id}/history?limit=2`)).status).toBe(200);
  });
});
