import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLrschedClient, LrschedError, type LrschedClient } from '../../clients/typescript/src/index.js';
import { startFlakyProxy, type FlakyProxy, type ProxyAction } from '../support/flaky-proxy.js';
import { constructedCases, expectPoint, wireReport } from '../support/golden.js';
import { startListeningApp, type ListeningApp } from '../support/listening-app.js';

/** The typed TypeScript client against a real listening server. */

let server: ListeningApp;
let client: LrschedClient;
/** The Authorization header of every request the server received, in order. */
const authorizations: (string | undefined)[] = [];
beforeAll(async () => {
  server = await startListeningApp({
    prepare: (app) =>
      app.addHook('onRequest', async (request) => {
        authorizations.push(request.headers.authorization);
      }),
  });
  client = createLrschedClient(server.url);
});
afterAll(async () => server.close());

let proxy: FlakyProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

/** A client talking to the server through a proxy that fails requests as `decide` says. */
async function throughProxy(decide: (method: string, url: string, count: number) => ProxyAction, options = {}) {
  proxy = await startFlakyProxy(server.url, decide);
  return { proxied: createLrschedClient(proxy.url, { backoffMs: 10, ...options }), proxy };
}

const exponential = { param_groups: [{ lr: 1 }], scheduler: { type: 'ExponentialLR' as const, gamma: 0.5 } };

describe('TypeScript client', () => {
  it.each(constructedCases.filter((_, i) => i % 3 === 0).map((c) => [c.id, c] as const))(
    'runs %s as PyTorch does',
    async (_id, golden) => {
      const session = await client.createSession({
        param_groups: golden.param_groups as never,
        scheduler: golden.scheduler as never,
      });
      expectPoint(session.state, golden.initial!, 'initial');
      let step = 0;
      for (const goldenStep of golden.steps!) {
        if (goldenStep.error) {
          await expect(client.step(session.id, { expected_step: step })).rejects.toMatchObject({ status: 422 });
          continue;
        }
        const state = await client.step(session.id, { ...wireReport(goldenStep), expected_step: step });
        step += 1;
        expectPoint(state, goldenStep, `step ${step}`);
      }
      const history = [];
      for await (const entry of client.history(session.id, 7)) history.push(entry);
      expect(history.map((e) => e.step)).toEqual(Array.from({ length: step + 1 }, (_, i) => i));
    },
  );

  it('rewinds, exports state_dicts, previews and lists', async () => {
    const session = await client.createSession({
      name: 'ts-client',
      param_groups: [{ lr: 1 }],
      scheduler: { type: 'ExponentialLR', gamma: 0.5 },
    });
    await client.step(session.id);
    await client.step(session.id);
    expect((await client.rewind(session.id, 1)).lrs).toEqual([0.5]);
    expect((await client.stateDict(session.id)).state_dict).toMatchObject({ last_epoch: 1, gamma: 0.5 });
    const preview = await client.preview({ param_groups: [{ lr: 1 }], scheduler: { type: 'ExponentialLR', gamma: 0.5 }, steps: 2 });
    expect(preview.points.map((p) => p.lrs[0])).toEqual([1, 0.5, 0.25]);
    const names = [];
    for await (const s of client.sessions(2)) names.push(s.name);
    expect(names).toContain('ts-client');
    await client.deleteSession(session.id);
    await expect(client.getSession(session.id)).rejects.toBeInstanceOf(LrschedError);
  });

  it('raises LrschedError carrying the problem document', async () => {
    const error = await client
      .createSession({ param_groups: [{ lr: 0.1 }], scheduler: { type: 'StepLR', step_size: 0 } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LrschedError);
    expect((error as LrschedError).status).toBe(400);
    expect((error as LrschedError).problem?.errors?.[0]?.path).toBe('scheduler.step_size');
  });

  describe('retries', () => {
    it('a step with expected_step whose answer was lost: the retry answers it with replayed: true, applied once', async () => {
      const { proxied, proxy } = await throughProxy((method, url, count) => (count === 1 ? 'drop-answer' : 'forward'));
      const session = await client.createSession(exponential);
      const state = await proxied.step(session.id, { metric: 0.7, expected_step: 0 });
      expect(state).toMatchObject({ step: 1, lrs: [0.5], replayed: true });
      expect(proxy.requests.map((r) => r.action)).toEqual(['drop-answer', 'forward']);
      expect((await client.getSession(session.id)).state.step).toBe(1);
    });

    it('a step without expected_step is never repeated: a lost answer is an LrschedError without status', async () => {
      const { proxied, proxy } = await throughProxy((method, url) => (url.endsWith('/step') ? 'drop-answer' : 'forward'));
      const session = await client.createSession(exponential);
      const error = await proxied.step(session.id, { metric: 0.7 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LrschedError);
      expect(error).toMatchObject({ status: undefined, problem: undefined });
      expect((error as LrschedError).message).toContain('unreachable (1 attempt)');
      expect((error as LrschedError).cause).toBeInstanceOf(Error);
      expect(proxy.requests.filter((r) => r.url.endsWith('/step'))).toHaveLength(1);
      expect((await client.getSession(session.id)).state.step).toBe(1); // the service did step
    });

    it('reads and keyed creates retry 5xx answers and timeouts; creates without a key do not', async () => {
      const { proxied, proxy } = await throughProxy(
        (method, url, count) => (count === 1 ? 'bad-gateway' : count === 2 ? 'hang' : 'forward'),
        { timeoutMs: 300 },
      );
      const keyed = await proxied.createSession({ ...exponential, key: `retried-${Date.now()}` });
      expect(proxy.requests.map((r) => r.action)).toEqual(['bad-gateway', 'hang', 'forward']);
      expect((await proxied.getSession(keyed.id)).id).toBe(keyed.id);

      await proxy.close();
      const { proxied: once } = await throughProxy(() => 'bad-gateway');
      const error = await once.createSession(exponential).catch((e: unknown) => e);
      expect(error).toMatchObject({ status: 502, problem: undefined, message: 'HTTP 502: <html>502 Bad Gateway</html>' });
    });

    it('gives up after `retries` with the last answer', async () => {
      const { proxied, proxy } = await throughProxy(() => 'bad-gateway', { retries: 2 });
      const error = await proxied.getSession('any').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LrschedError);
      expect((error as LrschedError).status).toBe(502);
      expect(proxy.requests).toHaveLength(3);
    });

    it('steps on across a server restart without losing or repeating a step', async () => {
      const session = await client.createSession(exponential);
      const retrying = createLrschedClient(server.url, { backoffMs: 50, retries: 8 });
      await retrying.step(session.id, { expected_step: 0 });
      await server.stop();
      const pending = retrying.step(session.id, { expected_step: 1 });
      await new Promise((resolve) => setTimeout(resolve, 300));
      await server.start();
      expect(await pending).toMatchObject({ step: 2, lrs: [0.25], replayed: false });
      const steps = [];
      for await (const entry of client.history(session.id)) steps.push(entry.step);
      expect(steps).toEqual([0, 1, 2]);
    });

    it('wraps an unreachable service in LrschedError after its retries', async () => {
      const closed = await startListeningApp();
      const url = closed.url;
      await closed.close();
      const error = await createLrschedClient(url, { retries: 1, backoffMs: 10 })
        .getSession('x')
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LrschedError);
      expect((error as LrschedError).status).toBeUndefined();
      expect((error as LrschedError).message).toContain(`${url} unreachable (2 attempts)`);
    });
  });

  describe('API keys', () => {
    const previous = process.env.LRSCHED_API_KEY;
    afterEach(() => {
      if (previous === undefined) delete process.env.LRSCHED_API_KEY;
      else process.env.LRSCHED_API_KEY = previous;
    });

    async function sentAuthorization(make: () => LrschedClient): Promise<string | undefined> {
      const before = authorizations.length;
      await make().getSession('none').catch(() => undefined);
      expect(authorizations.length).toBe(before + 1);
      return authorizations.at(-1);
    }

    it('sends apiKey as a bearer token, else LRSCHED_API_KEY, else nothing', async () => {
      delete process.env.LRSCHED_API_KEY;
      expect(await sentAuthorization(() => createLrschedClient(server.url))).toBeUndefined();
      expect(await sentAuthorization(() => createLrschedClient(server.url, { apiKey: 'lrs_given' }))).toBe('Bearer lrs_given');
      process.env.LRSCHED_API_KEY = 'lrs_from_env';
      expect(await sentAuthorization(() => createLrschedClient(server.url))).toBe('Bearer lrs_from_env');
      expect(await sentAuthorization(() => createLrschedClient(server.url, { apiKey: 'lrs_given' }))).toBe('Bearer lrs_given');
    });
  });

  it('creates a session from a range test reference, typed', async () => {
    const test = await client.createSession({ param_groups: [{ lr: 1e-6 }], scheduler: { type: 'LRRangeTest', num_iter: 30 } });
    let state = test.state;
    for (let batch = 0; !state.finished; batch++) state = await client.step(test.id, { metric: 2 - batch / 100, expected_step: state.step });
    const suggestion = await client.suggestion(test.id);
    const session = await client.createSession({
      param_groups: [{ lr: 0.01 }],
      scheduler: { type: 'OneCycleLR', max_lr: { from_range_test: { session: test.id, rule: 'minimum' } }, total_steps: 100 },
    });
    expect(session.scheduler).toMatchObject({ type: 'OneCycleLR', max_lr: suggestion.minimum.lr });
  });
});
