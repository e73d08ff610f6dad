import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { PREVIEW_QUEUE, PREVIEW_THREADS } from '../../src/limits.js';
import { processStatus } from '../support/process-status.js';

/**
 * Previews on the worker pool, in this process (whose threads /proc counts): the deadline
 * stops a running preview's thread, a full pool answers 503 with Retry-After, and the
 * workers run from the TypeScript sources here (test/server/dist.test.ts runs them built).
 */

const apps: Awaited<ReturnType<typeof buildApp>>[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

async function appWithDeadline(previewDeadlineMs: number) {
  const app = await buildApp({ database: { kind: 'sqlite', path: ':memory:' }, previewDeadlineMs });
  apps.push(app);
  return app;
}

const groups = Array.from({ length: 10 }, () => ({ lr: 0.1, momentum: 0.9 }));
/** A legal preview that takes seconds: 10 groups × 100 000 OneCycleLR steps. */
const longPreview = { param_groups: groups, scheduler: { type: 'OneCycleLR', max_lr: 0.1, total_steps: 100_000 }, steps: 100_000 };
const shortPreview = { param_groups: [{ lr: 1 }], scheduler: { type: 'ExponentialLR', gamma: 0.5 }, steps: 2 };

const threads = () => processStatus(process.pid).threads;

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return condition();
}

describe('the preview worker pool', () => {
  it('computes a preview on a worker thread and answers it in full', async () => {
    const app = await appWithDeadline(30_000);
    const answer = await app.inject({ method: 'POST', url: '/v1/preview', payload: shortPreview });
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['content-type']).toContain('application/json');
    expect(JSON.parse(answer.body).points.map((p: { lrs: number[] }) => p.lrs[0])).toEqual([1, 0.5, 0.25]);
  });

  it('stops a preview past its deadline: a 422 naming PREVIEW_DEADLINE_MS, and its thread ends', async () => {
    const app = await appWithDeadline(300);
    // Short previews until one gets through: a worker is up, its modules loaded (a preview that
    // cannot start within the deadline, as while the first worker loads, is a 503).
    expect(await waitFor(async () => (await app.inject({ method: 'POST', url: '/v1/preview', payload: shortPreview })).statusCode === 200)).toBe(true);
    const withWorker = threads();
    const started = Date.now();
    const answer = await app.inject({ method: 'POST', url: '/v1/preview', payload: longPreview });
    expect(answer.statusCode).toBe(422);
    expect(answer.headers['content-type']).toContain('application/problem+json');
    expect(JSON.parse(answer.body)).toMatchObject({ status: 422, type: 'urn:lrsched:problem:work-limit-exceeded', limit: 'PREVIEW_DEADLINE_MS' });
    expect(Date.now() - started).toBeLessThan(5_000);
    // The worker that ran it was terminated, not left computing: its thread is gone.
    expect(await waitFor(() => threads() < withWorker)).toBe(true);
  });

  it(`answers 503 with Retry-After once ${PREVIEW_THREADS} previews run and ${PREVIEW_QUEUE} wait`, async () => {
    const app = await appWithDeadline(1_500);
    const burst = PREVIEW_THREADS + PREVIEW_QUEUE + 3;
    const answers = await Promise.all(
      Array.from({ length: burst }, () => app.inject({ method: 'POST', url: '/v1/preview', payload: longPreview })),
    );
    const refused = answers.filter((a) => a.statusCode === 503);
    // At least the 3 beyond threads and queue; the queued ones that never got a worker in time, too.
    expect(refused.length).toBeGreaterThanOrEqual(3);
    for (const answer of refused) {
      expect(answer.headers['retry-after']).toMatch(/^\d+$/);
      expect(JSON.parse(answer.body)).toMatchObject({ status: 503, type: 'urn:lrsched:problem:previews-busy' });
    }
    // The rest ran into the deadline.
    for (const answer of answers.filter((a) => a.statusCode !== 503)) expect(answer.statusCode).toBe(422);
    // And the pool serves again afterwards (once a new worker has loaded).
    expect(await waitFor(async () => (await app.inject({ method: 'POST', url: '/v1/preview', payload: shortPreview })).statusCode === 200)).toBe(true);
  }, 60_000);

  it('validates on the worker: field errors, JSON errors and depth as the other routes answer them', async () => {
    const app = await appWithDeadline(30_000);
    const invalid = await app.inject({ method: 'POST', url: '/v1/preview', payload: { ...shortPreview, steps: -1, extra: 1 } });
    expect(invalid.statusCode).toBe(400);
    expect(JSON.parse(invalid.body).errors.map((e: { path: string }) => e.path).sort()).toEqual(['extra', 'steps']);
    const notJson = await app.inject({ method: 'POST', url: '/v1/preview', headers: { 'content-type': 'application/json' }, payload: '{"steps":' });
    expect(notJson.statusCode).toBe(400);
    expect(JSON.parse(notJson.body).detail).toBe('the body is not valid JSON');
    const empty = await app.inject({ method: 'POST', url: '/v1/preview', headers: { 'content-type': 'application/json' }, payload: '' });
    expect(empty.statusCode).toBe(400);
    const poisoned = await app.inject({
      method: 'POST',
      url: '/v1/preview',
      headers: { 'content-type': 'application/json' },
      payload: '{"param_groups":[{"lr":1}],"scheduler":{"type":"StepLR","step_size":1},"__proto__":{"x":1}}',
    });
    expect(poisoned.statusCode).toBe(400);
  });
});
