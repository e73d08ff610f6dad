import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startTestService, type Service } from '../support/app.js';
import { storedRows } from '../support/test-database.js';
import { constructedCases, expectPoint, wireReport } from '../support/golden.js';
import type { DatabaseOptions } from '../../src/store/open-store.js';

let app: Service;
let database: DatabaseOptions;
let close: () => Promise<void>;
beforeAll(async () => ({ app, database, close } = await startTestService()));
afterAll(async () => close());

describe('GET /v1/sessions/:id/state_dict and POST /v1/sessions with state_dict', () => {
  it.each(constructedCases.map((c) => [c.id, c] as const))(
    '%s: a session started from another one\'s state_dict continues the trace',
    async (_id, golden) => {
      const steps = golden.steps!.filter((s) => !s.error);
      const created = await call(app, 'POST', '/v1/sessions', {
        param_groups: golden.param_groups,
        scheduler: golden.scheduler,
      });
      const k = Math.floor(steps.length / 3);
      for (const s of steps.slice(0, k)) await call(app, 'POST', `/v1/sessions/${created.body.id}/step`, wireReport(s));

      const exported = await call(app, 'GET', `/v1/sessions/${created.body.id}/state_dict`);
      expect(exported.status).toBe(200);
      // ChainedScheduler keeps no last_epoch of its own; its first scheduler's stands for it.
      const dict = exported.body.state_dict;
      expect(dict.last_epoch ?? dict._schedulers[0].last_epoch).toBe(k === 0 ? golden.initial!.last_epoch : steps[k - 1]!.last_epoch);

      const resumed = await call(app, 'POST', '/v1/sessions', {
        param_groups: exported.body.param_groups,
        scheduler: golden.scheduler,
        state_dict: exported.body.state_dict,
      });
      expect(resumed.status, JSON.stringify(resumed.body)).toBe(201);
      expect(resumed.body.state.step).toBe(0);
      expectPoint(resumed.body.state, k === 0 ? golden.initial! : steps[k - 1]!, 'resumed');
      for (let j = k; j < steps.length; j++) {
        const answer = await call(app, 'POST', `/v1/sessions/${resumed.body.id}/step`, {
          ...wireReport(steps[j]!),
          expected_step: j - k,
        });
        expect(answer.status).toBe(200);
        expectPoint(answer.body, steps[j]!, `resumed, step ${j + 1}`);
      }
    },
  );

  it('spells infinities in the exported state_dict and reads them back', async () => {
    const created = await call(app, 'POST', '/v1/sessions', {
      param_groups: [{ lr: 0.1 }],
      scheduler: { type: 'ReduceLROnPlateau', mode: 'max' },
    });
    const exported = await call(app, 'GET', `/v1/sessions/${created.body.id}/state_dict`);
    expect(exported.body.state_dict).toMatchObject({ best: '-Infinity', mode_worse: '-Infinity', mode: 'max' });
    const resumed = await call(app, 'POST', '/v1/sessions', {
      param_groups: exported.body.param_groups,
      scheduler: { type: 'ReduceLROnPlateau', mode: 'max' },
      state_dict: exported.body.state_dict,
    });
    expect(resumed.status).toBe(201);
    expect(resumed.body.state.best).toBe('-Infinity');
  });

  it.each([
    [{ step_size: 10 }, 'state_dict.step_size'],
    [{ last_epoch: 'seven' }, 'state_dict.last_epoch'],
    [{ base_lrs: [0.1, 0.1] }, 'state_dict.base_lrs'],
  ])('refuses a state_dict with %j, naming %s, storing nothing', async (change, path) => {
    const created = await call(app, 'POST', '/v1/sessions', {
      param_groups: [{ lr: 0.1 }],
      scheduler: { type: 'StepLR', step_size: 3 },
    });
    const exported = await call(app, 'GET', `/v1/sessions/${created.body.id}/state_dict`);
    const before = await storedRows(database);
    const answer = await call(app, 'POST', '/v1/sessions', {
      param_groups: exported.body.param_groups,
      scheduler: { type: 'StepLR', step_size: 3 },
      state_dict: { ...exported.body.state_dict, ...change },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.errors[0].path).toBe(path);
    expect(await storedRows(database)).toEqual(before);
  });

  it('names the group key a OneCycleLR state_dict needs', async () => {
    const answer = await call(app, 'POST', '/v1/sessions', {
      param_groups: [{ lr: 0.05, momentum: 0.9 }],
      scheduler: { type: 'OneCycleLR', max_lr: 0.1, total_steps: 100 },
      state_dict: { last_epoch: 10, base_lrs: [0.004], _step_count: 11 },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.errors[0].path).toBe('param_groups.0.initial_lr');
  });

  it('exports and re-imports a schedule that took the lr below 0, as PyTorch lets a negative gamma do', async () => {
    const scheduler = { type: 'ExponentialLR', gamma: -0.5 };
    const created = await call(app, 'POST', '/v1/sessions', { param_groups: [{ lr: 0.1 }], scheduler });
    const stepped = await call(app, 'POST', `/v1/sessions/${created.body.id}/step`, {});
    expect(stepped.body.lrs).toEqual([0.1 * -0.5]);
    const exported = await call(app, 'GET', `/v1/sessions/${created.body.id}/state_dict`);
    expect(exported.status).toBe(200);
    expect(exported.body.param_groups[0].lr).toBe(0.1 * -0.5);

    const resumed = await call(app, 'POST', '/v1/sessions', { ...exported.body, scheduler });
    expect(resumed.status, JSON.stringify(resumed.body)).toBe(201);
    const next = await call(app, 'POST', `/v1/sessions/${resumed.body.id}/step`, {});
    expect(next.body.lrs).toEqual([0.1 * -0.5 * -0.5]);
    // A fresh optimizer still refuses a negative lr, as torch.optim does.
    const fresh = await call(app, 'POST', '/v1/sessions', { param_groups: [{ lr: -0.1 }], scheduler });
    expect(fresh.status).toBe(400);
    expect(fresh.body.errors[0].path).toBe('param_groups.0.lr');
  });

  it('answers 404 for an unknown session', async () => {
    expect((await call(app, 'GET', '/v1/sessions/nope/state_dict')).status).toBe(404);
  });
});
