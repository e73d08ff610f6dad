import Fastify from 'fastify';
import { connect, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { drainOnClose } from '../../src/plugins/drain-on-close.js';
import { problemHandling } from '../../src/plugins/problems.js';

/**
 * A listening app whose /stuck never answers, with the drain plugin at a short grace;
 * `stuckArrived` settles once /stuck's handler runs (a fixed sleep loses that race on a busy machine).
 */
async function appWithStuckRoute(graceMs: number) {
  const app = Fastify({ return503OnClosing: false });
  await app.register(problemHandling);
  await app.register(drainOnClose, { graceMs });
  const closed: string[] = [];
  app.addHook('onClose', async () => {
    closed.push('database');
  });
  let arrived: () => void = () => {};
  const stuckArrived = new Promise<void>((resolve) => (arrived = resolve));
  app.get('/stuck', () => {
    arrived();
    return new Promise<never>(() => {});
  });
  app.get('/fast', async () => ({ ok: true }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return { app, port, url: `http://127.0.0.1:${port}`, closed, stuckArrived };
}

async function timed(work: Promise<unknown>): Promise<number> {
  const started = Date.now();
  await work;
  return Date.now() - started;
}

describe('drainOnClose', () => {
  it('closes at once, onClose hooks included, when every answer is out', async () => {
    const { app, url, closed } = await appWithStuckRoute(5_000);
    expect((await fetch(`${url}/fast`)).status).toBe(200);
    expect(await timed(app.close())).toBeLessThan(1_000);
    expect(closed).toEqual(['database']);
  });

  it('cuts an answer still unfinished after the grace, so that closing and its onClose hooks complete', async () => {
    const { app, url, closed, stuckArrived } = await appWithStuckRoute(200);
    const stuck = fetch(`${url}/stuck`).then(
      () => 'answered',
      () => 'cut',
    );
    await stuckArrived;
    const took = await timed(app.close());
    expect(took).toBeGreaterThanOrEqual(150);
    expect(took).toBeLessThan(2_000);
    expect(closed).toEqual(['database']);
    expect(await stuck).toBe('cut');
  });

  it('answers requests arriving while it drains with 503 shutting-down, as problem+json', async () => {
    const { app, url, stuckArrived } = await appWithStuckRoute(500);
    const stuck = fetch(`${url}/stuck`).catch(() => 'cut');
    await stuckArrived;
    const closing = app.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const late = await fetch(`${url}/fast`);
    expect(late.status).toBe(503);
    expect(late.headers.get('content-type')).toContain('application/problem+json');
    expect(late.headers.get('connection')).toBe('close');
    expect(await late.json()).toMatchObject({ type: 'urn:lrsched:problem:shutting-down', status: 503 });
    await closing;
    expect(await stuck).toBe('cut');
  });

  it('cuts a client still sending its request headers', async () => {
    const { app, port, closed } = await appWithStuckRoute(200);
    const socket = connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('GET /fast HTTP/1.1\r\nHost: 127.0.0.1\r\n'); // no blank line: headers never end
    const ended = new Promise((resolve) => socket.once('close', resolve));
    socket.on('error', () => {}); // the reset is the point
    expect(await timed(app.close())).toBeLessThan(2_000);
    expect(closed).toEqual(['database']);
    await ended;
  });
});
