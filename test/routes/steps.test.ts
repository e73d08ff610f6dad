import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_PAGE_BYTES } from '../../src/limits.js';
import { call, startTestService, type Service } from '../support/app.js';

let app: Service;
let close: () => Promise<void>;
beforeAll(async () => ({ app, close } = await startTestService()));
afterAll(async () => close());

async function create(scheduler: object, param_groups: object[] = [{ lr: 0.1 }]): Promise<string> {
  const answer = await call(app, 'POST', '/v1/sessions', { param_groups, scheduler });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body.id;
}

const step = (id: string, body: object = {}) => call(app, 'POST', `/v1/sessions/${id}/step`, body);

describe('POST /v1/sessions/:id/step', () => {
  it('answers a retried step with replayed: true and does not skip an epoch', async () => {
    const id = await create({ type: 'ExponentialLR', gamma: 0.5 });
    const first = await step(id, { metric: 1.5, expected_step: 0 });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ step: 1, last_epoch: 1, lrs: [0.05], replayed: false });

    // The answer got lost; the client retries the very same report.
    const retry = await step(id, { metric: 1.5, expected_step: 0 });
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ step: 1, last_epoch: 1, lrs: [0.05], replayed: true });

    const second = await step(id, { metric: 1.2, expected_step: 1 });
    expect(second.body).toMatchObject({ step: 2, lrs: [0.025], replayed: false });
    const history = await call(app, 'GET', `/v1/sessions/${id}/history`);
    expect(history.body.items.map((e: { step: number }) => e.step)).toEqual([0, 1, 2]);
  });

  it('answers 409 with the current state when expected_step does not match', async () => {
    const id = await create({ type: 'StepLR', step_size: 1 });
    await step(id, { expected_step: 0, metric: 1 });
    for (const body of [
      { expected_step: 5 },
      { expected_step: 0, metric: 2 }, // one behind, but a different report
      { expected_step: 0, metrics: { acc: 1 }, metric: 1 },
    ]) {
      const conflict = await step(id, body);
      expect(conflict.status).toBe(409);
      expect(conflict.headers['content-type']).toContain('application/problem+json');
      expect(conflict.body.state).toMatchObject({ step: 1, last_epoch: 1 });
    }
    expect((await call(app, 'GET', `/v1/sessions/${id}`)).body.state.step).toBe(1);
  });

  it('always applies a step without expected_step', async () => {
    const id = await create({ type: 'StepLR', step_size: 2 });
    for (let i = 1; i <= 3; i++) expect((await step(id, { metric: 1 })).body.step).toBe(i);
  });

  it('keeps metric, metrics and epoch in the history, NaN spelled as a string', async () => {
    const id = await create({ type: 'ReduceLROnPlateau', patience: 0 });
    const answer = await step(id, { metric: 'NaN', metrics: { val_acc: 0.87, grad: 'Infinity' } });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ best: 'Infinity', num_bad_epochs: 0, lrs: [0.010000000000000002] });
    const history = await call(app, 'GET', `/v1/sessions/${id}/history`);
    expect(history.body.items[0]).toMatchObject({ step: 0, report: null, state: { best: 'Infinity' } });
    expect(history.body.items[1].report).toEqual({ metric: 'NaN', metrics: { val_acc: 0.87, grad: 'Infinity' } });
  });

  it('requires the metric for ReduceLROnPlateau and changes nothing without it', async () => {
    const id = await create({ type: 'ReduceLROnPlateau' });
    const answer = await step(id, { metrics: { loss: 1 } });
    expect(answer.status).toBe(400);
    expect(answer.body.errors[0].path).toBe('metric');
    expect((await call(app, 'GET', `/v1/sessions/${id}`)).body.state.step).toBe(0);
  });

  it.each([
    [{ metric: 'nan' }, 'metric'],
    [{ metric: null }, 'metric'],
    [{ epoch: 'Infinity' }, 'epoch'],
    [{ expected_step: -1 }, 'expected_step'],
    [{ expected_step: 1.5 }, 'expected_step'],
    [{ metrics: { a: 'x' } }, 'metrics.a'],
    [{ lr: 0.1 }, 'lr'],
  ])('refuses %j with 400 naming %s', async (body, path) => {
    const id = await create({ type: 'StepLR', step_size: 2 });
    const answer = await step(id, body);
    expect(answer.status).toBe(400);
    expect(answer.body.errors.map((e: { path: string }) => e.path)).toContain(path);
  });

  it('refuses a step past OneCycleLR total_steps with 422, leaving the session unchanged', async () => {
    const id = await create({ type: 'OneCycleLR', max_lr: 0.1, total_steps: 2 }, [{ lr: 0.1, momentum: 0.9 }]);
    expect((await step(id)).status).toBe(200);
    expect((await step(id)).status).toBe(200);
    const before = (await call(app, 'GET', `/v1/sessions/${id}`)).body;
    const refused = await step(id);
    expect(refused.status).toBe(422);
    expect(refused.body.detail).toContain('total_steps');
    expect(refused.body.errors).toEqual([{ path: 'scheduler.total_steps', message: refused.body.detail }]);
    const after = (await call(app, 'GET', `/v1/sessions/${id}`)).body;
    expect(after.state).toEqual(before.state);
    expect(after.updated_at).toBe(before.updated_at);
  });

  it('refuses a non-finite lr_lambda value with 422', async () => {
    const id = await create({ type: 'LambdaLR', lr_lambda: '1 / (2 - epoch)' });
    expect((await step(id)).status).toBe(200);
    const refused = await step(id);
    expect(refused.status).toBe(422);
    expect(refused.body.detail).toContain('lr_lambda');
    expect(refused.body.errors[0].path).toBe('scheduler.lr_lambda');
  });

  it("names the failing child's field when a composite's step is refused, in sessions and previews", async () => {
    const scheduler = {
      type: 'ChainedScheduler',
      schedulers: [
        { type: 'StepLR', step_size: 1, gamma: 0.9 },
        { type: 'MultiplicativeLR', lr_lambda: ['0.9', '1 / (2 - epoch)'] },
      ],
    };
    const id = await create(scheduler, [{ lr: 0.1 }, { lr: 0.2 }]);
    expect((await step(id)).status).toBe(200);
    const refused = await step(id);
    expect(refused.status).toBe(422);
    expect(refused.body.errors[0].path).toBe('scheduler.schedulers.1.lr_lambda.1');
    const preview = await call(app, 'POST', '/v1/preview', { param_groups: [{ lr: 0.1 }, { lr: 0.2 }], scheduler, steps: 3 });
    expect(preview.status).toBe(422);
    expect(preview.body.detail).toMatch(/^step 2: /);
    expect(preview.body.errors[0].path).toBe('scheduler.schedulers.1.lr_lambda.1');
  });

  it('answers 404 for an unknown session', async () => {
    const answer = await step('no-such-session');
    expect(answer.status).toBe(404);
    expect(answer.headers['content-type']).toContain('application/problem+json');
  });
});

describe('POST /v1/sessions/:id/rewind', () => {
  it('goes back to the state after a step, drops the later history, and steps on from there', async () => {
    const id = await create({ type: 'ExponentialLR', gamma: 0.5 });
    for (let i = 0; i < 5; i++) await step(id, { metric: i });
    const rewound = await call(app, 'POST', `/v1/sessions/${id}/rewind`, { to_step: 2 });
    expect(rewound.status).toBe(200);
    expect(rewound.body).toMatchObject({ step: 2, last_epoch: 2, lrs: [0.025] });
    const history = await call(app, 'GET', `/v1/sessions/${id}/history`);
    expect(history.body.items.map((e: { step: number }) => e.step)).toEqual([0, 1, 2]);
    const next = await step(id, { expected_step: 2 });
    expect(next.body).toMatchObject({ step: 3, last_epoch: 3, lrs: [0.0125] });
  });

  it('refuses to rewind beyond the current step with 409, and negative steps with 400', async () => {
    const id = await create({ type: 'StepLR', step_size: 1 });
    await step(id);
    const ahead = await call(app, 'POST', `/v1/sessions/${id}/rewind`, { to_step: 2 });
    expect(ahead.status).toBe(409);
    expect(ahead.body.state.step).toBe(1);
    const negative = await call(app, 'POST', `/v1/sessions/${id}/rewind`, { to_step: -1 });
    expect(negative.status).toBe(400);
    expect(negative.body.errors[0].path).toBe('to_step');
  });

  it('rewinds to 0, the creation', async () => {
    const id = await create({ type: 'LinearLR', start_factor: 0.5, total_iters: 2 });
    const created = (await call(app, 'GET', `/v1/sessions/${id}`)).body.state;
    await step(id);
    const rewound = await call(app, 'POST', `/v1/sessions/${id}/rewind`, { to_step: 0 });
    expect(rewound.body).toEqual(created);
  });
});

describe('GET /v1/sessions/:id/history', () => {
  it('pages oldest first with next_cursor', async () => {
    const id = await create({ type: 'StepLR', step_size: 2 });
    for (let i = 0; i < 6; i++) await step(id, { metric: i });
    const steps: number[] = [];
    let url = `/v1/sessions/${id}/history?limit=4`;
    for (;;) {
      const page = await call(app, 'GET', url);
      steps.push(...page.body.items.map((e: { step: number }) => e.step));
      if (!page.body.next_cursor) break;
      url = `/v1/sessions/${id}/history?limit=4&cursor=${page.body.next_cursor}`;
    }
    expect(steps).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('stops a page short of limit once its JSON would pass MAX_PAGE_BYTES, and pages on from there', async () => {
    // 1000 groups: every entry carries 2000 numbers, so a page of 1000 entries would run to ~40 MiB.
    const id = await create({ type: 'ExponentialLR', gamma: 0.99 }, Array.from({ length: 1000 }, (_, i) => ({ lr: 0.1 + i / 1e4 })));
    for (let i = 0; i < 150; i++) await step(id);
    const steps: number[] = [];
    let url = `/v1/sessions/${id}/history?limit=1000`;
    for (;;) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode).toBe(200);
      expect(Buffer.byteLength(response.body)).toBeLessThanOrEqual(MAX_PAGE_BYTES + 100);
      const page = JSON.parse(response.body);
      steps.push(...page.items.map((e: { step: number }) => e.step));
      if (!page.next_cursor) break;
      expect(page.items.length).toBeLessThan(1000);
      url = `/v1/sessions/${id}/history?limit=1000&cursor=${page.next_cursor}`;
    }
    expect(steps).toEqual(Array.from({ length: 151 }, (_, k) => k));
  });

  it('refuses limit above 1000', async () => {
    const id = await create({ type: 'StepLR', step_size: 2 });
    expect((await call(app, 'GET', `/v1/sessions/${id}/history?limit=1001`)).status).toBe(400);
  });
});
