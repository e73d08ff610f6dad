import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLrschedClient, LrschedError, type LrschedClient } from '../../clients/typescript/index.js';
import { constructedCases, expectPoint, wireReport } from '../support/golden.js';
import { startListeningApp } from '../support/listening-app.js';

/** The typed TypeScript client against a real listening server. */

let client: LrschedClient;
let close: () => Promise<void>;
beforeAll(async () => {
  const server = await startListeningApp();
  close = server.close;
  client = createLrschedClient(server.url);
});
afterAll(async () => close());

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

  it('raises LrschedError with the text of an answer that is no problem document', async () => {
    const proxyPage = async () => new Response('<html>502 Bad Gateway</html>', { status: 502, headers: { 'content-type': 'text/html' } });
    const behindProxy = createLrschedClient('http://127.0.0.1:1', { fetch: proxyPage });
    const error = await behindProxy.getSession('a').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LrschedError);
    expect((error as LrschedError).status).toBe(502);
    expect((error as LrschedError).problem).toBeUndefined();
    expect((error as LrschedError).message).toBe('HTTP 502: <html>502 Bad Gateway</html>');
  });

  it('raises LrschedError carrying the problem document', async () => {
    const error = await client
      .createSession({ param_groups: [{ lr: 0.1 }], scheduler: { type: 'StepLR', step_size: 0 } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LrschedError);
    expect((error as LrschedError).status).toBe(400);
    expect((error as LrschedError).problem?.errors?.[0]?.path).toBe('scheduler.step_size');
  });
});
