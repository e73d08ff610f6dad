import { Validator } from '@seriousme/openapi-schema-validator';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderOpenApiDocument } from '../src/plugins/openapi.js';
import { SCHEDULER_TYPES } from '../src/schedulers/registry.js';
import { call, startTestApp, type App } from './support/app.js';

let app: App;
let close: () => Promise<void>;
beforeAll(async () => ({ app, close } = await startTestApp()));
afterAll(async () => close());

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const committed = readFileSync(new URL('../openapi/openapi.json', import.meta.url), 'utf8');

type Operation = { operationId?: string; security?: unknown; responses: Record<string, unknown> };

describe('the OpenAPI document', () => {
  it('is what the routes generate (npm run openapi:check)', () => {
    expect(committed, 'run `npm run openapi` and commit openapi/openapi.json').toBe(renderOpenApiDocument(app));
  });

  it('and the TypeScript client types are current: `npm run openapi:check` passes', () => {
    const check = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/openapi.ts', 'check'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(check.stderr + check.stdout).toContain('src/schema.ts is current');
    expect(check.status).toBe(0);
  });

  it('is valid OpenAPI 3.1', async () => {
    const validator = new Validator();
    const result = await validator.validate(JSON.parse(committed));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it("passes Redocly's linter: no errors, no warnings but those accepted in redocly.yaml", () => {
    const lint = spawnSync(join(ROOT, 'node_modules/.bin/redocly'), ['lint', '--format', 'json', 'openapi/openapi.json'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    const report = JSON.parse(lint.stdout) as { totals: { errors: number; warnings: number }; problems: unknown[] };
    expect(report.problems, lint.stdout).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
    expect(lint.status).toBe(0);
  });

  it('names every operation, and documents the servers, the bearer scheme and the answers every route may give', () => {
    const doc = JSON.parse(committed);
    expect(doc.servers.map((server: { url: string }) => server.url)).toEqual(['/', 'http://{host}:{port}']);
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods as Record<string, Operation>).map(([method, operation]) => ({ path, method, ...operation })),
    );
    const ids = operations.map((operation) => operation.operationId);
    expect(ids.every((id) => typeof id === 'string')).toBe(true);
    expect(new Set(ids).size).toBe(operations.length);
    for (const { path, method, security, responses } of operations) {
      const where = `${method.toUpperCase()} ${path}`;
      const statuses = Object.keys(responses);
      if (path.startsWith('/v1/')) {
        expect(security, where).toEqual([{ bearerAuth: [] }, {}]);
        expect(statuses, where).toEqual(expect.arrayContaining(['401', '403']));
      } else {
        expect(security, where).toEqual([]);
      }
      if (method !== 'get') expect(statuses, where).toEqual(expect.arrayContaining(['413', '415']));
    }
  });

  it('marks the step body optional, as a bare POST …/step is a report of nothing', () => {
    const doc = JSON.parse(committed);
    expect(doc.paths['/v1/sessions/{id}/step'].post.requestBody.required).toBe(false);
    expect(doc.paths['/v1/sessions/{id}/rewind'].post.requestBody.required).toBe(true);
  });

  it('shows range-test references where a request may give them, and only numbers in answers', () => {
    const { schemas } = JSON.parse(committed).components;
    const reference = { $ref: '#/components/schemas/RangeTestReferenceInput' };
    expect(schemas.OneCycleLRRequestInput.properties.max_lr.anyOf).toContainEqual(reference);
    expect(schemas.CyclicLRRequestInput.properties.max_lr.anyOf).toContainEqual(reference);
    expect(schemas.NewSessionInput.properties.param_groups.items.properties.lr.anyOf).toContainEqual(reference);
    expect(schemas.PreviewRequestInput.properties.scheduler.$ref).toBe('#/components/schemas/SchedulerConfigRequestInput');
    expect(JSON.stringify(schemas.Session)).not.toContain('RangeTestReference');
    expect(JSON.stringify(schemas.OneCycleLR)).not.toContain('RangeTestReference');
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
        '/v1/sessions/{id}/events',
        '/v1/sessions/{id}/history',
        '/v1/sessions/{id}/history/{step}',
        '/v1/sessions/{id}/rewind',
        '/v1/sessions/{id}/state',
        '/v1/sessions/{id}/step',
        '/v1/sessions/{id}/state_dict',
        '/v1/sessions/{id}/suggestion',
      ].sort(),
    );
    const text = JSON.stringify(doc);
    for (const type of SCHEDULER_TYPES) expect(text).toContain(`"${type}"`);
  });

  it('serves interactive docs at /docs', async () => {
    const answer = await app.inject({ method: 'GET', url: '/docs' });
    const page = answer.statusCode === 302 ? await app.inject({ method: 'GET', url: answer.headers.location as string }) : answer;
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
  });
});
