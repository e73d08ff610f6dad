import { Validator } from '@seriousme/openapi-schema-validator';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderOpenApiDocument } from '../src/plugins/openapi.js';
import { SCHEDULER_TYPES } from '../src/schedulers/registry.js';
import { call, startTestApp, type App } from './support/app.js';

let app: App;
let close: () => Promise<void>;
beforeAll(async () => ({ app, close } = await startTestApp()));
afterAll(async () => close());

const committed = readFileSync(new URL('../openapi/openapi.json', import.meta.url), 'utf8');

describe('the OpenAPI document', () => {
  it('is what the routes generate (npm run openapi:check)', () => {
    expect(committed, 'run `npm run openapi` and commit openapi/openapi.json').toBe(renderOpenApiDocument(app));
  });

  it('and the TypeScript client types are current: `npm run openapi:check` passes', () => {
    const check = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/openapi.ts', 'check'], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      encoding: 'utf8',
    });
    expect(check.stderr + check.stdout).toContain('schema.d.ts is current');
    expect(check.status).toBe(0);
  });

  it('is valid OpenAPI 3.1', async () => {
    const validator = new Validator();
    const result = await validator.validate(JSON.parse(committed));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('is served at /openapi.json, identical to the committed file', async () => {
    const answer = await call(app, 'GET', '/openapi.json');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual(JSON.parse(committed));
  });

  it('describes every route of the contract and every scheduler type', () => {
    const doc = JSON.parse(committed);
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        '/healthz',
        '/v1/keys',
        '/v1/keys/{id}',
        '/v1/preview',
        '/v1/projects',
        '/v1/sessions',
        '/v1/sessions/{id}',
        '/v1/sessions/{id}/history',
        '/v1/sessions/{id}/rewind',
        '/v1/sessions/{id}/step',
        '/v1/sessions/{id}/state_dict',
        '/v1/sessions/{id}/suggestion',
      ].sort(),
    );
    const text = JSON.stringify(doc);
    for (const type of SCHEDULER_TYPES) expect(text).toContain(`"${type}"`);
  });

  it('puts every /v1 operation, and nothing else, behind the bearer scheme, with 401 and 403 documented', () => {
    const doc = JSON.parse(committed);
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    type Operation = { security?: unknown; responses: Record<string, unknown> };
    const operations = Object.entries(doc.paths as Record<string, Record<string, Operation>>).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
    );
    expect(operations.filter((o) => o.path.startsWith('/v1/')).length).toBeGreaterThanOrEqual(14);
    for (const { path, method, operation } of operations) {
      const where = `${method.toUpperCase()} ${path}`;
      if (path.startsWith('/v1/')) {
        expect(operation.security, where).toEqual([{ bearerAuth: [] }]);
        expect(Object.keys(operation.responses), where).toEqual(expect.arrayContaining(['401', '403']));
      } else {
        expect(operation.security, where).toBeUndefined();
      }
    }
  });

  it('serves interactive docs at /docs', async () => {
    const answer = await app.inject({ method: 'GET', url: '/docs' });
    const page = answer.statusCode === 302 ? await app.inject({ method: 'GET', url: answer.headers.location as string }) : answer;
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
  });
});
