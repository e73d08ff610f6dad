import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startTestService, type Service } from '../support/app.js';
import { syntheticLoss } from '../support/synthetic-loss.js';

let app: Service;
let close: () => Promise<void>;
beforeAll(async () => ({ app, close } = await startTestService()));
afterAll(async () => close());

/** A training job running a range test over HTTP until the service says it has finished. */
async function runRangeTest(config: object, seed = 7): Promise<string> {
  const created = await call(app, 'POST', '/v1/sessions', {
    param_groups: [{ lr: 1e-7 }],
    scheduler: { type: 'LRRangeTest', ...config },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const model = syntheticLoss(seed);
  let state = created.body.state;
  while (!state.finished) {
    const answer = await call(app, 'POST', `/v1/sessions/${created.body.id}/step`, {
      metric: model(state.lrs[0]),
      expected_step: state.step,
    });
    expect(answer.status).toBe(200);
    state = answer.body;
  }
  return created.body.id;
}

describe('LRRangeTest sessions', () => {
  it('run to divergence, refuse later steps, and suggest lrs from their history', async () => {
    const id = await runRangeTest({ end_lr: 100, num_iter: 300 });
    const session = (await call(app, 'GET', `/v1/sessions/${id}`)).body;
    expect(session.state).toMatchObject({ finished: true, finish_reason: 'diverged' });
    expect(session.scheduler).toMatchObject({ type: 'LRRangeTest', num_iter: 300, smooth: 0.98, diverge_threshold: 4 });

    const later = await call(app, 'POST', `/v1/sessions/${id}/step`, { metric: 1 });
    expect(later.status).toBe(422);

    const suggestion = await call(app, 'GET', `/v1/sessions/${id}/suggestion`);
    expect(suggestion.status).toBe(200);
    expect(suggestion.body.points).toHaveLength(session.state.step);
    for (const rule of ['steepest', 'minimum', 'valley']) {
      expect(suggestion.body[rule].lr).toBeGreaterThan(1e-7);
      expect(suggestion.body[rule].lr).toBeLessThan(100);
    }
    // Each point's lr is the lr the service handed out before that batch.
    const history = (await call(app, 'GET', `/v1/sessions/${id}/history?limit=1000`)).body.items;
    suggestion.body.points.forEach((p: { step: number; lr: number; loss: number }, k: number) => {
      expect(p.lr).toBe(history[k].state.lrs[0]);
      expect(p.loss).toBe(history[k + 1].report.metric);
    });
  });

  it('feeds its suggestion into a OneCycleLR session, recording the number', async () => {
    const id = await runRangeTest({ end_lr: 100, num_iter: 300 }, 11);
    const suggestion = (await call(app, 'GET', `/v1/sessions/${id}/suggestion`)).body;
    const created = await call(app, 'POST', '/v1/sessions', {
      param_groups: [{ lr: { from_range_test: { session: id, rule: 'valley' } }, momentum: 0.9 }],
      scheduler: { type: 'OneCycleLR', max_lr: { from_range_test: { session: id } }, total_steps: 100 },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.scheduler.max_lr).toBe(suggestion.steepest.lr);
    expect(created.body.param_groups[0].lr).toBe(suggestion.valley.lr);
    expect(created.body.state.lrs[0]).toBeCloseTo(suggestion.steepest.lr / 25, 15);
  });

  it('resolves a max_lr nested in a composite, and previews from a reference the numbers a session gets', async () => {
    const id = await runRangeTest({ end_lr: 100, num_iter: 300 }, 13);
    const suggestion = (await call(app, 'GET', `/v1/sessions/${id}/suggestion`)).body;
    const request = {
      param_groups: [{ lr: { from_range_test: { session: id, rule: 'minimum' } }, momentum: 0.9 }],
      scheduler: {
        type: 'SequentialLR',
        milestones: [2],
        schedulers: [
          { type: 'ConstantLR', factor: 0.5, total_iters: 2 },
          { type: 'CyclicLR', base_lr: 1e-4, max_lr: { from_range_test: { session: id, rule: 'valley' } }, step_size_up: 3 },
        ],
      },
    };
    const created = await call(app, 'POST', '/v1/sessions', request);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.param_groups[0].lr).toBe(suggestion.minimum.lr);
    expect(created.body.scheduler.schedulers[1].max_lr).toBe(suggestion.valley.lr);

    const preview = await call(app, 'POST', '/v1/preview', { ...request, steps: 8 });
    expect(preview.status, JSON.stringify(preview.body)).toBe(200);
    const stepped = [created.body.state];
    for (let step = 0; step < 8; step++) {
      stepped.push((await call(app, 'POST', `/v1/sessions/${created.body.id}/step`, { expected_step: step })).body);
    }
    expect(preview.body.points.map((p: { lrs: number[] }) => p.lrs)).toEqual(stepped.map((s) => s.lrs));

    const unknown = await call(app, 'POST', '/v1/preview', {
      ...request,
      param_groups: [{ lr: { from_range_test: { session: 'gone' } } }],
      steps: 1,
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toEqual([{ path: 'param_groups.0.lr.from_range_test.session', message: "no session with id 'gone'" }]);
  });

  it('lets a restarted job find its keyed session although the range test moved on or is gone', async () => {
    const created = await call(app, 'POST', '/v1/sessions', { param_groups: [{ lr: 1e-7 }], scheduler: { type: 'LRRangeTest', num_iter: 300 } });
    const test = created.body.id;
    const model = syntheticLoss(5);
    const stepTest = async (batches: number) => {
      for (let i = 0; i < batches; i++) {
        const now = (await call(app, 'GET', `/v1/sessions/${test}`)).body.state;
        await call(app, 'POST', `/v1/sessions/${test}/step`, { metric: model(now.lrs[0]), expected_step: now.step });
      }
    };
    await stepTest(40);
    const request = {
      key: 'restarted-after-range-test',
      param_groups: [{ lr: 0.01, momentum: 0.9 }],
      scheduler: { type: 'OneCycleLR', max_lr: { from_range_test: { session: test, rule: 'minimum' } }, total_steps: 100 },
    };
    const first = await call(app, 'POST', '/v1/sessions', request);
    expect(first.status, JSON.stringify(first.body)).toBe(201);

    await stepTest(40);
    const suggested = (await call(app, 'GET', `/v1/sessions/${test}/suggestion`)).body.minimum.lr;
    expect(suggested).not.toBe(first.body.scheduler.max_lr); // the reference now means another number
    const again = await call(app, 'POST', '/v1/sessions', request);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);

    await call(app, 'DELETE', `/v1/sessions/${test}`);
    const afterDeletion = await call(app, 'POST', '/v1/sessions', request);
    expect(afterDeletion.status).toBe(200);
    expect(afterDeletion.body).toEqual(again.body);

    // Another request under the same key is still a conflict, and names the key.
    const other = await call(app, 'POST', '/v1/sessions', { ...request, scheduler: { ...request.scheduler, total_steps: 50 } });
    expect(other.status).toBe(400); // the deleted test cannot be resolved any more
    const otherWithNumber = await call(app, 'POST', '/v1/sessions', { ...request, scheduler: { ...request.scheduler, max_lr: 0.5 } });
    expect(otherWithNumber.status).toBe(409);
    expect(otherWithNumber.body.errors).toEqual([{ path: 'key', message: expect.stringContaining(first.body.id) }]);
  });

  it('refuses with 400 a reference to a session that is no range test', async () => {
    const other = await call(app, 'POST', '/v1/sessions', { param_groups: [{ lr: 1 }], scheduler: { type: 'StepLR', step_size: 1 } });
    const answer = await call(app, 'POST', '/v1/sessions', {
      param_groups: [{ lr: { from_range_test: { session: other.body.id } } }],
      scheduler: { type: 'StepLR', step_size: 1 },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.errors[0].path).toBe('param_groups.0.lr.from_range_test.session');
  });

  it.each([
    [{ from_range_test: { session: 'nope' } }, 'scheduler.max_lr.from_range_test.session', "no session with id 'nope'"],
    [{ from_range_test: { session: 'x', rule: 'median' } }, 'scheduler.max_lr.from_range_test.rule', 'steepest'],
    [{ from_range_test: 'x' }, 'scheduler.max_lr.from_range_test', 'expected object'],
    [{ from_range_test: { session: 'x', at: 3 } }, 'scheduler.max_lr.from_range_test.at', 'unknown key'],
    [{ from_range_test: {} }, 'scheduler.max_lr.from_range_test.session', 'expected string'],
    [[0.1, 'x'], 'scheduler.max_lr.1', 'expected number'],
    ['0.1', 'scheduler.max_lr', 'or {"from_range_test"'],
  ])('refuses a bad reference or number %j with a 400 naming the field', async (maxLr, path, message) => {
    const answer = await call(app, 'POST', '/v1/sessions', {
      param_groups: [{ lr: 0.1 }],
      scheduler: { type: 'OneCycleLR', max_lr: maxLr, total_steps: 10 },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([{ path, message: expect.stringContaining(message) }]);
  });

  it('answers 409 while too few points are usable, and for sessions that are not range tests', async () => {
    const created = await call(app, 'POST', '/v1/sessions', {
      param_groups: [{ lr: 1e-5 }],
      scheduler: { type: 'LRRangeTest', num_iter: 50 },
    });
    for (let i = 0; i < 11; i++) await call(app, 'POST', `/v1/sessions/${created.body.id}/step`, { metric: 1 });
    const early = await call(app, 'GET', `/v1/sessions/${created.body.id}/suggestion`);
    expect(early.status).toBe(409);
    expect(early.body.detail).toContain('usable');

    await call(app, 'POST', `/v1/sessions/${created.body.id}/step`, { metric: 1 });
    await call(app, 'POST', `/v1/sessions/${created.body.id}/step`, { metric: 1 });
    expect((await call(app, 'GET', `/v1/sessions/${created.body.id}/suggestion`)).status).toBe(200);

    const other = await call(app, 'POST', '/v1/sessions', { param_groups: [{ lr: 1 }], scheduler: { type: 'StepLR', step_size: 1 } });
    expect((await call(app, 'GET', `/v1/sessions/${other.body.id}/suggestion`)).status).toBe(409);
    expect((await call(app, 'GET', '/v1/sessions/none/suggestion')).status).toBe(404);
  });

  it('refuses configs that could not run', async () => {
    for (const [config, path] of [
      [{ num_iter: 1 }, 'scheduler.num_iter'],
      [{ smooth: 1 }, 'scheduler.smooth'],
      [{ start_lr: 0 }, 'scheduler.start_lr'],
      [{ diverge_threshold: 0.5 }, 'scheduler.diverge_threshold'],
    ] as const) {
      const answer = await call(app, 'POST', '/v1/sessions', {
        param_groups: [{ lr: 1e-5 }],
        scheduler: { type: 'LRRangeTest', ...config },
      });
      expect(answer.status).toBe(400);
      expect(answer.body.errors[0].path).toBe(path);
    }
  });

  it('previews with reports', async () => {
    const answer = await call(app, 'POST', '/v1/preview', {
      param_groups: [{ lr: 1e-3 }],
      scheduler: { type: 'LRRangeTest', end_lr: 1, num_iter: 4, smooth: 0 },
      reports: [{ metric: 1 }, { metric: 0.5 }, { metric: 0.4 }, { metric: 0.3 }],
    });
    expect(answer.status).toBe(200);
    expect(answer.body.points.map((p: { finished: boolean }) => p.finished)).toEqual([false, false, false, false, true]);
    expect(answer.body.points[4].finish_reason).toBe('num_iter');
  });
});
