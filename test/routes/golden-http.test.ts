import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startTestService, type Service } from '../support/app.js';
import { storedRows } from '../support/test-database.js';
import { expectPoint, GOLDEN_RELEASES, wireReport } from '../support/golden.js';
import type { DatabaseOptions } from '../../src/store/open-store.js';

/** Every trace of PyTorch 1.13 and 2.13 replayed through HTTP, a real database underneath (SQLite, or PostgreSQL): bit for bit. */

let app: Service;
let database: DatabaseOptions;
let close: () => Promise<void>;
beforeAll(async () => ({ app, database, close } = await startTestService()));
afterAll(async () => close());

describe.each(GOLDEN_RELEASES)('PyTorch %s traces over HTTP', (_pytorch, file) => {
  it.each(file.constructed.map((c) => [c.id, c] as const))('%s', async (_id, golden) => {
    const created = await call(app, 'POST', '/v1/sessions', {
      name: golden.id,
      param_groups: golden.param_groups,
      scheduler: golden.scheduler,
    });
    expect(created.status).toBe(201);
    expectPoint(created.body.state, golden.initial!, 'initial');
    const id = created.body.id as string;

    let step = 0;
    for (const [k, goldenStep] of golden.steps!.entries()) {
      const answer = await call(app, 'POST', `/v1/sessions/${id}/step`, {
        ...wireReport(goldenStep),
        expected_step: step,
      });
      if (goldenStep.error) {
        expect(answer.status, `step ${k + 1}`).toBe(422);
        expect(answer.headers['content-type']).toContain('application/problem+json');
        const after = await call(app, 'GET', `/v1/sessions/${id}`);
        expect(after.body.state.step).toBe(step);
        continue;
      }
      expect(answer.status, `step ${k + 1}: ${JSON.stringify(answer.body)}`).toBe(200);
      expect(answer.body.replayed).toBe(false);
      expect(answer.body.step).toBe(++step);
      expectPoint(answer.body, goldenStep, `step ${k + 1}`);
    }

    // The history holds the same trace, oldest first.
    const history = await call(app, 'GET', `/v1/sessions/${id}/history?limit=1000`);
    expect(history.status).toBe(200);
    expect(history.body.items).toHaveLength(step + 1);
    expectPoint(history.body.items[0].state, golden.initial!, 'history initial');
    const applied = golden.steps!.filter((s) => !s.error);
    applied.forEach((goldenStep, k) => expectPoint(history.body.items[k + 1].state, goldenStep, `history ${k + 1}`));
  });

  it.each(file.constructed.map((c) => [c.id, c] as const))(
    '%s: rewinding to the middle and stepping again reproduces the trace',
    async (_id, golden) => {
      const steps = golden.steps!.filter((s) => !s.error);
      const created = await call(app, 'POST', '/v1/sessions', {
        param_groups: golden.param_groups,
        scheduler: golden.scheduler,
      });
      const id = created.body.id as string;
      for (const s of steps) await call(app, 'POST', `/v1/sessions/${id}/step`, wireReport(s));

      const k = Math.floor(steps.length / 2);
      const rewound = await call(app, 'POST', `/v1/sessions/${id}/rewind`, { to_step: k });
      expect(rewound.status).toBe(200);
      expect(rewound.body.step).toBe(k);
      expectPoint(rewound.body, k === 0 ? golden.initial! : steps[k - 1]!, `rewound to ${k}`);

      for (let j = k; j < steps.length; j++) {
        const answer = await call(app, 'POST', `/v1/sessions/${id}/step`, { ...wireReport(steps[j]!), expected_step: j });
        expect(answer.status).toBe(200);
        expectPoint(answer.body, steps[j]!, `after rewind, step ${j + 1}`);
      }
    },
  );

  it.each(file.refused.map((c) => [c.id, c] as const))('%s is refused with 400 and nothing stored', async (_id, golden) => {
    const before = await storedRows(database);
    const answer = await call(app, 'POST', '/v1/sessions', {
      param_groups: golden.param_groups,
      scheduler: golden.scheduler,
    });
    expect(answer.status).toBe(400);
    expect(answer.headers['content-type']).toContain('application/problem+json');
    expect(answer.body.errors?.[0]?.path).toMatch(/^scheduler/);
    expect(await storedRows(database)).toEqual(before);
  });
});
