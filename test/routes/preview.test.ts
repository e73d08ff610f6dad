import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startTestService, type Service } from '../support/app.js';
import { constructedCases, expectPoint, wireReport } from '../support/golden.js';

let app: Service;
let close: () => Promise<void>;
beforeAll(async () => ({ app, close } = await startTestService()));
afterAll(async () => close());

describe('POST /v1/preview', () => {
  it.each(constructedCases.map((c) => [c.id, c] as const))('%s gives the golden points', async (_id, golden) => {
    const steps = golden.steps!.filter((s) => !s.error);
    const answer = await call(app, 'POST', '/v1/preview', {
      param_groups: golden.param_groups,
      scheduler: golden.scheduler,
      reports: steps.map(wireReport),
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body.points).toHaveLength(steps.length + 1);
    expectPoint(answer.body.points[0], golden.initial!, 'point 0');
    steps.forEach((s, k) => {
      expect(answer.body.points[k + 1].step).toBe(k + 1);
      expectPoint(answer.body.points[k + 1], s, `point ${k + 1}`);
    });
  });

  it('stores nothing', async () => {
    await call(app, 'POST', '/v1/preview', { param_groups: [{ lr: 1 }], scheduler: { type: 'StepLR', step_size: 1 }, steps: 3 });
    expect((await call(app, 'GET', '/v1/sessions')).body.items).toEqual([]);
  });

  it('takes a plain step count', async () => {
    const answer = await call(app, 'POST', '/v1/preview', {
      param_groups: [{ lr: 1 }],
      scheduler: { type: 'ExponentialLR', gamma: 0.5 },
      steps: 3,
    });
    expect(answer.body.points.map((p: { lrs: number[] }) => p.lrs[0])).toEqual([1, 0.5, 0.25, 0.125]);
  });

  it('asks for reports when the scheduler needs metrics', async () => {
    const answer = await call(app, 'POST', '/v1/preview', {
      param_groups: [{ lr: 1 }],
      scheduler: { type: 'ReduceLROnPlateau' },
      steps: 3,
    });
    expect(answer.status).toBe(400);
    expect(answer.body.errors[0].path).toBe('steps');
  });

  it('names the report that lacks a metric', async () => {
    const answer = await call(app, 'POST', '/v1/preview', {
      param_groups: [{ lr: 1 }],
      scheduler: { type: 'ReduceLROnPlateau' },
      reports: [{ metric: 1 }, {}],
    });
    expect(answer.status).toBe(400);
    expect(answer.body.errors[0].path).toBe('reports.1.metric');
  });

  it('answers 422 naming the step PyTorch would refuse', async () => {
    const answer = await call(app, 'POST', '/v1/preview', {
      param_groups: [{ lr: 1 }],
      scheduler: { type: 'OneCycleLR', max_lr: 1, total_steps: 5 },
      steps: 6,
    });
    expect(answer.status).toBe(422);
    expect(answer.body.detail).toMatch(/^step 6:/);
  });

  it.each([
    [{ steps: 100_001 }, 'steps'],
    [{ steps: 2, reports: [] }, 'reports'],
    [{ steps: -1 }, 'steps'],
  ])('refuses %j', async (extra, path) => {
    const answer = await call(app, 'POST', '/v1/preview', {
      param_groups: [{ lr: 1 }],
      scheduler: { type: 'StepLR', step_size: 1 },
      ...extra,
    });
    expect(answer.status).toBe(400);
    expect(answer.body.errors.map((e: { path: string }) => e.path)).toContain(path);
  });
});
