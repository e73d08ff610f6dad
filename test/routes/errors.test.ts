import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, MAX_METADATA_BYTES, MAX_PREVIEW_GROUP_STEPS, MAX_SESSION_BODY_BYTES } from '../../src/limits.js';
import { call, startTestService, type Service } from '../support/app.js';
import { storedRows } from '../support/test-database.js';
import type { DatabaseOptions } from '../../src/store/open-store.js';

let app: Service;
let database: DatabaseOptions;
let close: () => Promise<void>;
beforeAll(async () => ({ app, database, close } = await startTestService()));
afterAll(async () => close());


function expectProblem(response: { statusCode: number; headers: Record<string, unknown>; body: string }, status: number) {
  expect(response.statusCode).toBe(status);
  expect(response.headers['content-type']).toContain('application/problem+json');
  const body = JSON.parse(response.body);
  expect(body).toMatchObject({ status, type: expect.any(String), title: expect.any(String), detail: expect.any(String) });
  return body;
}

describe('problem answers', () => {
  it('400 for a body that is not JSON', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/sessions',
      headers: { 'content-type': 'application/json' },
      payload: '{"param_groups": [',
    });
    expectProblem(response, 400);
  });

  it('415 for a body that is not declared as JSON', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/sessions',
      headers: { 'content-type': 'text/plain' },
      payload: 'lr=0.1',
    });
    expectProblem(response, 415);
  });

  it('413 for a body over the limit, storing nothing', async () => {
    const before = await storedRows(database);
    const response = await app.inject({
      method: 'POST',
      url: '/v1/sessions',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'x'.repeat(MAX_SESSION_BODY_BYTES), param_groups: [{ lr: 1 }], scheduler: { type: 'StepLR', step_size: 1 } }),
    });
    expectProblem(response, 413);
    expect(await storedRows(database)).toEqual(before);
  });

  it('404 for an unknown route', async () => {
    expectProblem(await app.inject({ method: 'GET', url: '/v2/nothing' }), 404);
  });

  it('never answers 5xx to random session bodies, and stores only what it answers 201 for', async () => {
    const scalar = fc.oneof(fc.double(), fc.integer(), fc.string(), fc.boolean(), fc.constant(null), fc.constantFrom('NaN', 'Infinity'));
    const anyJson = fc.jsonValue({ maxDepth: 3 });
    const schedulerish = fc.record(
      {
        type: fc.constantFrom('StepLR', 'MultiStepLR', 'ReduceLROnPlateau', 'LambdaLR', 'OneCycleLR', 'CyclicLR', 'SequentialLR', 'Nope'),
        step_size: scalar,
        gamma: scalar,
        milestones: fc.array(scalar, { maxLength: 3 }),
        lr_lambda: fc.oneof(fc.string(), fc.constantFrom('0.9 ** epoch', 'epoch //', '1/epoch')),
        max_lr: scalar,
        total_steps: scalar,
        schedulers: fc.array(anyJson, { maxLength: 2 }),
        factor: scalar,
      },
      { requiredKeys: ['type'] },
    );
    const body = fc.record(
      {
        param_groups: fc.oneof(fc.array(fc.record({ lr: scalar, momentum: scalar }, { requiredKeys: [] }), { maxLength: 3 }), anyJson),
        scheduler: fc.oneof(schedulerish, anyJson),
        key: fc.oneof(fc.string(), scalar),
        metadata: anyJson,
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(body, async (payload) => {
        const before = await storedRows(database);
        const answer = await call(app, 'POST', '/v1/sessions', payload);
        expect(answer.status).toBeLessThan(500);
        if (answer.status >= 400) {
          expect(answer.headers['content-type']).toContain('application/problem+json');
          expect(await storedRows(database)).toEqual(before);
        }
      }),
      { numRuns: 300, seed: 20261125 },
    );
  });

  it('never answers 5xx to random step bodies', async () => {
    const created = await call(app, 'POST', '/v1/sessions', {
      param_groups: [{ lr: 0.1 }],
      scheduler: { type: 'ReduceLROnPlateau', patience: 1 },
    });
    const id = created.body.id;
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            metric: fc.oneof(fc.double(), fc.string(), fc.constantFrom('NaN', '-Infinity')),
            metrics: fc.jsonValue({ maxDepth: 2 }),
            epoch: fc.oneof(fc.double(), fc.integer({ min: -5, max: 50 })),
            expected_step: fc.oneof(fc.integer({ min: -2, max: 400 }), fc.double()),
          },
          { requiredKeys: [] },
        ),
        async (payload) => {
          const answer = await call(app, 'POST', `/v1/sessions/${id}/step`, payload);
          expect(answer.status).toBeLessThan(500);
        },
      ),
      { numRuns: 300, seed: 7 },
    );
  });

  it('400 for bodies nested too deep, naming where, and storing nothing', async () => {
    const before = await storedRows(database);
    let scheduler: object = { type: 'StepLR', step_size: 1 };
    for (let i = 0; i < 1000; i++) scheduler = { type: 'ChainedScheduler', schedulers: [scheduler] };
    const nestedScheduler = await call(app, 'POST', '/v1/sessions', { param_groups: [{ lr: 1 }], scheduler });
    expect(nestedScheduler.status).toBe(400);
    expect(nestedScheduler.body.errors[0].path).toMatch(/^scheduler\.schedulers\.0\.schedulers\.0\./);

    // Written out by hand: JSON.stringify itself would overflow the stack here.
    const deep = `${'['.repeat(5000)}1${']'.repeat(5000)}`;
    const response = await app.inject({
      method: 'POST',
      url: '/v1/sessions',
      headers: { 'content-type': 'application/json' },
      payload: `{"param_groups": [{"lr": 1}], "scheduler": {"type": "StepLR", "step_size": 1}, "metadata": {"deep": ${deep}}}`,
    });
    const nestedMetadata = { status: response.statusCode, body: JSON.parse(response.body) };
    expect(nestedMetadata.status).toBe(400);
    expect(nestedMetadata.body.errors[0].path.split('.')).toHaveLength(MAX_JSON_DEPTH);
    expect(nestedMetadata.body.errors[0].path).toMatch(/^metadata\.deep\.0\.0/);

    const preview = await call(app, 'POST', '/v1/preview', { param_groups: [{ lr: 1 }], scheduler, steps: 1 });
    expect(preview.status).toBe(400);
    expect(await storedRows(database)).toEqual(before);
  });

  it('400 for metadata over its size limit', async () => {
    const before = await storedRows(database);
    const answer = await call(app, 'POST', '/v1/sessions', {
      param_groups: [{ lr: 1 }],
      scheduler: { type: 'StepLR', step_size: 1 },
      metadata: { notes: 'x'.repeat(MAX_METADATA_BYTES) },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.errors[0].path).toBe('metadata');
    expect(await storedRows(database)).toEqual(before);
  });

  it('400 for previews beyond param_groups × steps, naming steps or reports', async () => {
    const groups = Array.from({ length: 11 }, () => ({ lr: 0.1, momentum: 0.9 }));
    const steps = Math.floor(MAX_PREVIEW_GROUP_STEPS / 10);
    const scheduler = { type: 'CyclicLR', base_lr: 0.001, max_lr: 0.1 };
    const bySteps = await call(app, 'POST', '/v1/preview', { param_groups: groups, scheduler, steps });
    expect(bySteps.status).toBe(400);
    expect(bySteps.body.errors[0].path).toBe('steps');
    const byReports = await call(app, 'POST', '/v1/preview', {
      param_groups: groups,
      scheduler,
      reports: Array.from({ length: steps }, () => ({})),
    });
    expect(byReports.status).toBe(400);
    expect(byReports.body.errors[0].path).toBe('reports');
    // Exactly at the limit, with a cheap schedule: answered in full.
    const thousandGroups = Array.from({ length: 1000 }, () => ({ lr: 0.1 }));
    const stepLR = { type: 'StepLR', step_size: 100 };
    const limitSteps = MAX_PREVIEW_GROUP_STEPS / thousandGroups.length;
    const atTheLimit = await call(app, 'POST', '/v1/preview', { param_groups: thousandGroups, scheduler: stepLR, steps: limitSteps });
    expect(atTheLimit.status).toBe(200);
    expect(atTheLimit.body.points).toHaveLength(limitSteps + 1);
    const justBeyond = await call(app, 'POST', '/v1/preview', { param_groups: thousandGroups, scheduler: stepLR, steps: limitSteps + 1 });
    expect(justBeyond.status).toBe(400);
  });

  it('problem documents for URLs Fastify refuses before routing', async () => {
    const longId = expectProblem(await app.inject({ method: 'GET', url: `/v1/sessions/${'a'.repeat(150)}` }), 404);
    expect(longId.detail).toContain('longer than any id');
    expectProblem(await app.inject({ method: 'POST', url: `/v1/sessions/${'a'.repeat(150)}/step`, payload: {} }), 404);
    expectProblem(await app.inject({ method: 'GET', url: '/v1/sessions/%E0%A4%A' }), 400);
    expectProblem(await app.inject({ method: 'GET', url: '/v1/sessions/' }), 404);
  });

  it('takes an empty JSON body as no body', async () => {
    const created = await call(app, 'POST', '/v1/sessions', { param_groups: [{ lr: 1 }], scheduler: { type: 'StepLR', step_size: 1, gamma: 0.5 } });
    const bare = await app.inject({ method: 'POST', url: `/v1/sessions/${created.body.id}/step` });
    expect(bare.statusCode).toBe(200);
    expect(JSON.parse(bare.body)).toMatchObject({ step: 1, lrs: [0.5] });
    const nothing = await app.inject({
      method: 'POST',
      url: `/v1/sessions/${created.body.id}/step`,
      headers: { 'content-type': 'application/json' },
      payload: 'null',
    });
    expect(JSON.parse(nothing.body)).toMatchObject({ step: 2, lrs: [0.25] });
    const withHeader = await app.inject({
      method: 'DELETE',
      url: `/v1/sessions/${created.body.id}`,
      headers: { 'content-type': 'application/json' },
    });
    expect(withHeader.statusCode).toBe(204);
  });

  it("refuses one listing's cursor in another", async () => {
    const created = await call(app, 'POST', '/v1/sessions', { param_groups: [{ lr: 1 }], scheduler: { type: 'StepLR', step_size: 1 } });
    await call(app, 'POST', `/v1/sessions/${created.body.id}/step`, {});
    const history = await call(app, 'GET', `/v1/sessions/${created.body.id}/history?limit=1`);
    const cursor = history.body.next_cursor as string;
    expect((await call(app, 'GET', `/v1/sessions/${created.body.id}/history?limit=1&cursor=${cursor}`)).status).toBe(200);
    const elsewhere = await call(app, 'GET', `/v1/sessions?cursor=${cursor}`);
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.body.errors[0].path).toBe('cursor');
  });
});
