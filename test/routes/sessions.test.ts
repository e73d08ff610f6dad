import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startTestService, type Service } from '../support/app.js';
import { storedRows } from '../support/test-database.js';
import type { DatabaseOptions } from '../../src/store/open-store.js';

let app: Service;
let database: DatabaseOptions;
let close: () => Promise<void>;
beforeAll(async () => ({ app, database, close } = await startTestService()));
afterAll(async () => close());

const stepLR = { type: 'StepLR', step_size: 3 };

describe('POST /v1/sessions', () => {
  it('creates a session with PyTorch defaults filled in and state at step 0', async () => {
    const answer = await call(app, 'POST', '/v1/sessions', {
      name: 'resnet',
      param_groups: [{ lr: 0.1, momentum: 0.9 }, { lr: 0.01, betas: [0.9, 0.999] }],
      scheduler: stepLR,
      metadata: { team: 'vision' },
    });
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({
      name: 'resnet',
      key: null,
      metadata: { team: 'vision' },
      param_groups: [{ lr: 0.1, momentum: 0.9 }, { lr: 0.01, betas: [0.9, 0.999] }],
      scheduler: { type: 'StepLR', step_size: 3, gamma: 0.1 },
      state: { step: 0, last_epoch: 0, base_lrs: [0.1, 0.01], lrs: [0.1, 0.01] },
    });
    expect(answer.body.state.momentums).toBeUndefined();
    expect(Date.parse(answer.body.created_at)).not.toBeNaN();

    const read = await call(app, 'GET', `/v1/sessions/${answer.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(answer.body);
  });

  it('finds the session again by key when the schedule is the same, and refuses a different one', async () => {
    const body = { key: 'run-a17', param_groups: [{ lr: 0.1 }], scheduler: stepLR };
    const first = await call(app, 'POST', '/v1/sessions', body);
    expect(first.status).toBe(201);
    await call(app, 'POST', `/v1/sessions/${first.body.id}/step`, {});

    // Defaults written out or left implicit are the same schedule.
    const again = await call(app, 'POST', '/v1/sessions', { ...body, scheduler: { ...stepLR, gamma: 0.1 } });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    expect(again.body.state.step).toBe(1);

    const different = await call(app, 'POST', '/v1/sessions', { ...body, scheduler: { ...stepLR, gamma: 0.5 } });
    expect(different.status).toBe(409);
    expect(different.headers['content-type']).toContain('application/problem+json');
    expect(different.body.detail).toContain('run-a17');
  });

  it.each([
    [{ param_groups: [{ lr: 0.1, weight_decay: 0 }], scheduler: stepLR }, 'param_groups.0'],
    [{ param_groups: [{ lr: 0.1 }], scheduler: { ...stepLR, verbose: true } }, 'scheduler'],
    [{ param_groups: [{ lr: 0.1 }], scheduler: { ...stepLR, last_epoch: 5 } }, 'scheduler'],
    [{ param_groups: [{ lr: 0.1 }], scheduler: stepLR, extra: 1 }, ''],
    [{ param_groups: [{ lr: -1 }], scheduler: stepLR }, 'param_groups.0.lr'],
    [{ param_groups: [], scheduler: stepLR }, 'param_groups'],
    [{ param_groups: [{ lr: 0.1 }], scheduler: { type: 'StepLR', step_size: 0 } }, 'scheduler.step_size'],
    [{ param_groups: [{ lr: 0.1 }], scheduler: { type: 'StepLR' } }, 'scheduler.step_size'],
    [{ param_groups: [{ lr: 0.1 }], scheduler: { type: 'NoSuchLR' } }, 'scheduler.type'],
    [{ param_groups: [{ lr: 0.1 }], scheduler: { type: 'ReduceLROnPlateau', factor: 1 } }, 'scheduler.factor'],
    [{ param_groups: [{ lr: 0.1 }], scheduler: { type: 'ReduceLROnPlateau', min_lr: [0, 0] } }, 'scheduler.min_lr'],
    [{ param_groups: [{ lr: 0.1 }], scheduler: { type: 'LambdaLR', lr_lambda: '0.9 **' } }, 'scheduler.lr_lambda'],
    [{ param_groups: [{ lr: 0.1 }], scheduler: { type: 'LambdaLR', lr_lambda: ['1', '2'] } }, 'scheduler.lr_lambda'],
    [{ param_groups: [{ lr: 0.1 }], scheduler: { type: 'LambdaLR', lr_lambda: '1 / epoch' } }, 'scheduler'],
    [
      { param_groups: [{ lr: 0.1 }], scheduler: { type: 'SequentialLR', milestones: [2], schedulers: [stepLR, { type: 'StepLR', step_size: -1 }] } },
      'scheduler.schedulers.1.step_size',
    ],
  ])('refuses %j with a 400 naming %s, storing nothing', async (body, path) => {
    const before = await storedRows(database);
    const answer = await call(app, 'POST', '/v1/sessions', body);
    expect(answer.status).toBe(400);
    expect(answer.headers['content-type']).toContain('application/problem+json');
    expect(answer.body).toMatchObject({ status: 400, title: expect.any(String), type: expect.any(String) });
    const paths = (answer.body.errors as { path: string }[]).map((e) => e.path);
    expect(paths.some((p) => p.startsWith(path)), `${paths.join(', ')} should name ${path}`).toBe(true);
    expect(await storedRows(database)).toEqual(before);
  });

  it('names the unknown key in its message', async () => {
    const answer = await call(app, 'POST', '/v1/sessions', { param_groups: [{ lr: 0.1, nesterov: true }], scheduler: stepLR });
    expect(answer.status).toBe(400);
    expect(answer.body.detail).toContain('nesterov');
    expect(answer.body.errors).toContainEqual({ path: 'param_groups.0.nesterov', message: 'unknown key' });
  });

  it('points at the position of a syntax error in lr_lambda', async () => {
    const answer = await call(app, 'POST', '/v1/sessions', {
      param_groups: [{ lr: 0.1 }],
      scheduler: { type: 'LambdaLR', lr_lambda: '0.95 ** (epoch' },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.detail).toMatch(/position \d+/);
  });
});

describe('GET /v1/sessions', () => {
  it('lists newest first in pages joined by next_cursor', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const created = await call(app, 'POST', '/v1/sessions', { name: `page-${i}`, param_groups: [{ lr: 0.1 }], scheduler: stepLR });
      ids.push(created.body.id);
    }
    const seen: string[] = [];
    let url = '/v1/sessions?limit=2';
    for (;;) {
      const page = await call(app, 'GET', url);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((s: { id: string }) => s.id));
      if (page.body.next_cursor === null) break;
      url = `/v1/sessions?limit=2&cursor=${page.body.next_cursor}`;
    }
    expect(seen.slice(0, 5)).toEqual([...ids].reverse());
    expect(new Set(seen).size).toBe(seen.length);
  });

  it.each(['limit=0', 'limit=501', 'limit=abc', 'cursor=nonsense'])('refuses %s with 400', async (query) => {
    const answer = await call(app, 'GET', `/v1/sessions?${query}`);
    expect(answer.status).toBe(400);
    expect(answer.body.errors[0].path).toBe(query.split('=')[0]);
  });
});

describe('the NUL character', () => {
  it('is refused in a key or name (PostgreSQL text cannot hold it), naming the field', async () => {
    for (const field of ['key', 'name']) {
      const answer = await call(app, 'POST', '/v1/sessions', { param_groups: [{ lr: 0.1 }], scheduler: stepLR, [field]: 'run\u0000a' });
      expect(answer.status).toBe(400);
      expect(answer.body.errors).toEqual([{ path: field, message: 'must not contain the NUL character (U+0000)' }]);
    }
  });

  it('names no session in a path', async () => {
    for (const [method, path] of [
      ['GET', ''],
      ['GET', '/history'],
      ['DELETE', ''],
      ['POST', '/step'],
      ['POST', '/rewind'],
    ] as const) {
      const answer = await call(app, method, `/v1/sessions/a%00b${path}`, method === 'POST' ? (path === '/rewind' ? { to_step: 0 } : {}) : undefined);
      expect(answer.status, `${method} ${path}`).toBe(404);
      expect(answer.body.type).toBe('urn:lrsched:problem:session-not-found');
    }
  });
});

describe('DELETE /v1/sessions/:id', () => {
  it('deletes the session and its history', async () => {
    const created = await call(app, 'POST', '/v1/sessions', { param_groups: [{ lr: 0.1 }], scheduler: stepLR });
    const id = created.body.id;
    await call(app, 'POST', `/v1/sessions/${id}/step`, {});
    expect((await call(app, 'DELETE', `/v1/sessions/${id}`)).status).toBe(204);
    expect((await call(app, 'GET', `/v1/sessions/${id}`)).status).toBe(404);
    expect((await call(app, 'GET', `/v1/sessions/${id}/history`)).status).toBe(404);
    expect((await call(app, 'DELETE', `/v1/sessions/${id}`)).status).toBe(404);
  });

  it('frees its key at once, and drops it from the listing', async () => {
    const body = { key: 'reused-key', param_groups: [{ lr: 0.1 }], scheduler: stepLR };
    const first = await call(app, 'POST', '/v1/sessions', body);
    expect((await call(app, 'DELETE', `/v1/sessions/${first.body.id}`)).status).toBe(204);
    const second = await call(app, 'POST', '/v1/sessions', body);
    expect(second.status).toBe(201);
    expect(second.body.id).not.toBe(first.body.id);
    const listed = (await call(app, 'GET', '/v1/sessions?limit=5')).body.items.map((s: { id: string }) => s.id);
    expect(listed[0]).toBe(second.body.id);
    expect(listed).not.toContain(first.body.id);
  });
});
