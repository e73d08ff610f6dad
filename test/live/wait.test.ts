import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startListeningApp } from '../support/listening-app.js';
import { http } from '../support/server-process.js';

/** Waiting for a step, over a real listening server. */

let url: string;
let close: () => Promise<void>;
beforeAll(async () => ({ url, close } = await startListeningApp()));
afterAll(async () => close());

async function createSession(): Promise<string> {
  const created = await http(`${url}/v1/sessions`, 'POST', {
    param_groups: [{ lr: 0.1 }],
    scheduler: { type: 'ExponentialLR', gamma: 0.5 },
  });
  return created.body.id as string;
}
const step = (id: string) => http(`${url}/v1/sessions/${id}/step`, 'POST', {});
const waitFor = (id: string, query: string) => http(`${url}/v1/sessions/${id}/state?${query}`, 'GET');

/** Resolves with the answer and the moment it arrived; `settled` says whether it has yet. */
function timed<T>(request: Promise<T>): { settled: boolean; at: number; answer: Promise<T> } {
  const tracked = { settled: false, at: 0, answer: request };
  tracked.answer = request.then((answer) => {
    tracked.settled = true;
    tracked.at = performance.now();
    return answer;
  });
  return tracked;
}
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('GET /v1/sessions/{id}/state?min_step=&wait=', () => {
  it('answers at once when the session has reached the step, and without min_step', async () => {
    const id = await createSession();
    await step(id);
    for (const query of ['', 'min_step=0&wait=60', 'min_step=1&wait=60']) {
      const started = performance.now();
      const answer = await waitFor(id, query);
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ step: 1, last_epoch: 1, base_lrs: [0.1], lrs: [0.05] });
      expect(performance.now() - started).toBeLessThan(1_000);
    }
  });

  it('answers a waiter on step N within 50 ms of step N, with the state of step N', async () => {
    const id = await createSession();
    const waiter = timed(waitFor(id, 'min_step=2&wait=10'));
    await pause(100);
    await step(id);
    await pause(100);
    expect(waiter.settled, 'step 1 does not answer a wait for step 2').toBe(false);
    const stepped = await step(id);
    const steppedAt = performance.now();
    const answer = await waiter.answer;
    expect(waiter.at - steppedAt).toBeLessThan(50);
    expect(answer).toEqual({ status: 200, body: { ...stepped.body, replayed: undefined } });
    expect(answer.body).toMatchObject({ step: 2, lrs: [0.025] });
  });

  it('answers every waiter of a session, each when its own step comes', async () => {
    const id = await createSession();
    const waiters = [1, 1, 2, 3, 3, 3].map((n) => timed(waitFor(id, `min_step=${n}&wait=10`)));
    await pause(100);
    for (let k = 1; k <= 3; k++) {
      await step(id);
      await pause(50);
      expect(waiters.map((waiter) => waiter.settled)).toEqual([1, 1, 2, 3, 3, 3].map((n) => n <= k));
    }
    const answers = await Promise.all(waiters.map((waiter) => waiter.answer));
    expect(answers.map((answer) => answer.body.step)).toEqual([1, 1, 2, 3, 3, 3]);
  });

  it('times out with the current state, whose step tells the client it was not reached', async () => {
    const id = await createSession();
    await step(id);
    const started = performance.now();
    const answer = await waitFor(id, 'min_step=5&wait=0.3');
    const waited = performance.now() - started;
    expect(answer).toEqual({ status: 200, body: { step: 1, last_epoch: 1, base_lrs: [0.1], lrs: [0.05] } });
    expect(waited).toBeGreaterThanOrEqual(280);
    expect(waited).toBeLessThan(2_000);
  });

  it('keeps waiting through a rewind, and answers once steps reach N again', async () => {
    const id = await createSession();
    await step(id);
    await step(id);
    const waiter = timed(waitFor(id, 'min_step=3&wait=10'));
    await pause(100);
    await http(`${url}/v1/sessions/${id}/rewind`, 'POST', { to_step: 0 });
    await step(id);
    await step(id);
    await pause(100);
    expect(waiter.settled).toBe(false);
    await step(id);
    expect((await waiter.answer).body).toMatchObject({ step: 3, lrs: [0.0125] });
  });

  it('answers 404 when the session is deleted while waiting, and for an unknown session', async () => {
    const id = await createSession();
    const waiter = waitFor(id, 'min_step=1&wait=10');
    await pause(100);
    await http(`${url}/v1/sessions/${id}`, 'DELETE');
    expect(await waiter).toMatchObject({ status: 404, body: { type: 'urn:lrsched:problem:session-not-found' } });
    expect((await waitFor('nope', 'min_step=1&wait=1')).status).toBe(404);
  });

  it('cuts a longer wait to the maximum instead of refusing it, and refuses bad parameters by name', async () => {
    const id = await createSession();
    const waiter = waitFor(id, 'min_step=1&wait=100000');
    await pause(100);
    await step(id);
    expect((await waiter).body.step).toBe(1);
    for (const [query, path] of [
      ['min_step=-1', 'min_step'],
      ['min_step=1.5', 'min_step'],
      ['min_step=1&wait=-1', 'wait'],
      ['min_step=1&wait=soon', 'wait'],
      ['min_step=1&timeout=3', 'timeout'],
    ]) {
      const answer = await waitFor(id, query!);
      expect(answer.status, query).toBe(400);
      expect(answer.body.errors.map((e: { path: string }) => e.path)).toEqual([path]);
    }
  });
});
