import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { temporaryDatabases, type App } from '../support/app.js';

/** The app on a fresh SQLite file, logging at info into `lines` (parsed JSON lines). */
async function loggingApp(path: string): Promise<{ app: App; lines: Record<string, unknown>[] }> {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(text) as Record<string, unknown>);
      done();
    },
  });
  const app = await buildApp({ database: { kind: 'sqlite', path }, logger: pino({ level: 'info' }, sink) });
  await app.ready();
  return { app, lines };
}

/** Fastify's per-request messages: the default writes the first two for every request. */
const REQUEST_MESSAGES = new Set(['incoming request', 'request completed', 'request errored']);
const requestLines = (lines: readonly Record<string, unknown>[]) => lines.filter((line) => REQUEST_MESSAGES.has(line.msg as string));

describe('request logs', () => {
  const databasePath = temporaryDatabases();
  let app: App | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('writes one line per request, when answered: method, url, status, response time, client, reqId', async () => {
    const started = await loggingApp(databasePath());
    app = started.app;
    const created = await app.inject({
      method: 'POST',
      url: '/v1/sessions',
      payload: { param_groups: [{ lr: 0.1 }], scheduler: { type: 'StepLR', step_size: 2 } },
    });
    const { id } = created.json<{ id: string }>();
    const step = await app.inject({ method: 'POST', url: `/v1/sessions/${id}/step`, payload: { expected_step: 0 } });
    const missing = await app.inject({ method: 'GET', url: '/v1/nowhere?x=1' });
    expect([created.statusCode, step.statusCode, missing.statusCode]).toEqual([201, 200, 404]);

    const logged = requestLines(started.lines);
    expect(logged.map(({ msg, method, url, statusCode }) => ({ msg, method, url, statusCode }))).toEqual([
      { msg: 'request completed', method: 'POST', url: '/v1/sessions', statusCode: 201 },
      { msg: 'request completed', method: 'POST', url: `/v1/sessions/${id}/step`, statusCode: 200 },
      { msg: 'request completed', method: 'GET', url: '/v1/nowhere?x=1', statusCode: 404 },
    ]);
    for (const line of logged) {
      expect(line.level).toBe(30);
      expect(line.responseTime).toEqual(expect.any(Number));
      expect(line.remoteAddress).toBe('127.0.0.1');
    }
    // Each request's own id, the one its other lines carry too.
    expect(new Set(logged.map((line) => line.reqId)).size).toBe(3);
  });
});
