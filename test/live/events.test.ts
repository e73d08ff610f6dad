import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventStream, type StreamEvent } from '../support/event-stream.js';
import { startListeningApp } from '../support/listening-app.js';
import { http } from '../support/server-process.js';

/** Event streams over a real listening server, read as a browser's EventSource would. */

let url: string;
let close: () => Promise<void>;
beforeAll(async () => ({ url, close } = await startListeningApp({ live: { heartbeatMs: 50 } })));
afterAll(async () => close());

const streams: EventStream[] = [];
async function watch(id: string, query = '', headers: Record<string, string> = {}): Promise<EventStream> {
  const stream = await EventStream.open(`${url}/v1/sessions/${id}/events${query}`, headers);
  streams.push(stream);
  return stream;
}
afterAll(() => streams.forEach((stream) => stream.close()));

async function createSession(scheduler: object = { type: 'ExponentialLR', gamma: 0.9 }): Promise<string> {
  const created = await http(`${url}/v1/sessions`, 'POST', { param_groups: [{ lr: 0.1 }], scheduler });
  expect(created.status).toBe(201);
  return created.body.id as string;
}

const step = async (id: string, metric: number) => (await http(`${url}/v1/sessions/${id}/step`, 'POST', { metric })).body;

async function stepTimes(id: string, from: number, to: number) {
  const answers = [];
  for (let k = from; k <= to; k++) answers.push(await step(id, k));
  return answers;
}

async function history(id: string) {
  const items = [];
  let cursor: string | null = null;
  do {
    const page: { body: { items: unknown[]; next_cursor: string | null } } = await http(
      `${url}/v1/sessions/${id}/history?limit=1000${cursor ? `&cursor=${cursor}` : ''}`,
      'GET',
    );
    items.push(...page.body.items);
    cursor = page.body.next_cursor;
  } while (cursor);
  return items as { step: number; report: unknown; state: unknown }[];
}

const ids = (events: StreamEvent[]) => events.map((event) => Number(event.id));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('GET /v1/sessions/{id}/events', () => {
  it('streams every step of a session stepping while it watches, in order, as the history records it', async () => {
    const id = await createSession();
    const stream = await watch(id);
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toBe('text/event-stream');
    const answers = await stepTimes(id, 1, 40);
    const events = await stream.take(40);
    expect(ids(events)).toEqual(range(1, 40));
    expect(events.every((event) => event.event === 'step')).toBe(true);
    events.forEach((event, k) => {
      // The step's answer less `replayed` (toEqual passes over a member that is undefined).
      expect(event.data).toEqual({ step: k + 1, report: { metric: k + 1 }, state: { ...answers[k], replayed: undefined } });
    });
    const recorded = await history(id);
    expect(events.map((event) => event.data)).toEqual(recorded.slice(1).map(({ step, report, state }) => ({ step, report, state })));
    expect(await stream.pending(100)).toEqual([]);
  });

  it('a reconnect with Last-Event-ID fills the gap exactly, then goes on live without a repeat', async () => {
    const id = await createSession();
    const first = await watch(id);
    await stepTimes(id, 1, 10);
    expect(ids(await first.take(10))).toEqual(range(1, 10));
    first.close();
    await stepTimes(id, 11, 25);
    const again = await watch(id, '', { 'last-event-id': '10' });
    await stepTimes(id, 26, 30);
    const events = await again.take(20);
    expect(ids(events)).toEqual(range(11, 30));
    expect(events.map((event) => event.data.report.metric)).toEqual(range(11, 30));
    expect(await again.pending(150)).toEqual([]);
  });

  it('resumes after ?after_step=, and a Last-Event-ID, the newer resume point, wins over it', async () => {
    const id = await createSession();
    await stepTimes(id, 1, 6);
    expect(ids(await (await watch(id, '?after_step=0')).take(6))).toEqual(range(1, 6));
    expect(ids(await (await watch(id, '?after_step=4')).take(2))).toEqual([5, 6]);
    const both = await watch(id, '?after_step=1', { 'last-event-id': '5' });
    expect(ids(await both.take(1))).toEqual([6]);
    expect(await both.pending(100)).toEqual([]);
  });

  it('catches up on a long history page by page while the session keeps stepping: no gap, no repeat', async () => {
    const id = await createSession({ type: 'StepLR', step_size: 7 });
    await stepTimes(id, 1, 330);
    // A quiet session: nothing but the history brings the later pages.
    const quiet = await watch(id, '?after_step=0');
    expect(ids(await quiet.take(330))).toEqual(range(1, 330));
    // A busy one: steps land while the watcher is still reading the early pages.
    const busy = await watch(id, '?after_step=0');
    const stepping = stepTimes(id, 331, 360);
    const events = await busy.take(360);
    await stepping;
    expect(ids(events)).toEqual(range(1, 360));
    expect(ids(await quiet.take(30))).toEqual(range(331, 360));
    expect(await busy.pending(100)).toEqual([]);
  }, 60_000);

  it('sends rewinds with the state they went back to, and a deletion, after which the stream ends', async () => {
    const id = await createSession();
    const stream = await watch(id);
    // Each change once the watcher has sent the ones before it: on PostgreSQL changes reach
    // it by NOTIFY, a moment after their commit, and a watcher told of a rewind before it
    // read the steps it cut sends the history as it is now, told of a deletion, only that.
    await stepTimes(id, 1, 5);
    const events = await stream.take(5);
    const rewound = await http(`${url}/v1/sessions/${id}/rewind`, 'POST', { to_step: 2 });
    events.push(...(await stream.take(1)));
    await stepTimes(id, 103, 104);
    events.push(...(await stream.take(2)));
    const before = (await http(`${url}/v1/sessions/${id}`, 'GET')).body.state;
    expect((await http(`${url}/v1/sessions/${id}`, 'DELETE')).status).toBe(204);
    events.push(...(await stream.end()));
    expect(events.map((event) => `${event.event} ${event.id}`)).toEqual([
      'step 1',
      'step 2',
      'step 3',
      'step 4',
      'step 5',
      'rewind 2',
      'step 3',
      'step 4',
      'deleted 4',
    ]);
    expect(events[5]!.data).toEqual({ step: 2, report: null, state: rewound.body });
    expect(events[6]!.data.report).toEqual({ metric: 103 });
    expect(events[8]!.data).toEqual({ step: 4, report: null, state: before });
  });

  it('tells a watcher back from a session since rewound below its last event that it was rewound', async () => {
    const id = await createSession();
    await stepTimes(id, 1, 9);
    await http(`${url}/v1/sessions/${id}/rewind`, 'POST', { to_step: 5 });
    const stream = await watch(id, '', { 'last-event-id': '9' });
    const [rewind] = await stream.take(1);
    expect(rewind).toMatchObject({ event: 'rewind', id: '5', data: { step: 5, report: null } });
    await step(id, 6);
    expect((await stream.take(1))[0]).toMatchObject({ event: 'step', id: '6' });
  });

  it("keeps each watcher's view the session's own timeline through steps, rewinds and reconnects", async () => {
    const id = await createSession({ type: 'ReduceLROnPlateau', patience: 1, factor: 0.5 });
    // The watcher's view: timeline[k] is the state after step k, rebuilt from events alone.
    const timeline: unknown[] = [(await http(`${url}/v1/sessions/${id}`, 'GET')).body.state];
    let stream = await watch(id);
    let random = 7;
    const next = () => (random = (random * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const apply = (event: StreamEvent) => {
      if (event.event === 'step') {
        expect(event.data.step, 'a step follows the last one seen').toBe(timeline.length);
        timeline.push(event.data.state);
      } else {
        expect(event.event).toBe('rewind');
        expect(event.data.step).toBeLessThan(timeline.length);
        timeline.length = event.data.step + 1;
        expect(timeline[event.data.step], 'a rewind goes back to a state the watcher saw').toEqual(event.data.state);
      }
    };
    for (let round = 0; round < 12; round++) {
      // Changes while the watcher reads, then a disconnect with changes while it is away.
      const operations = 5 + Math.floor(next() * 10);
      for (let k = 0; k < operations; k++) {
        const at = (await http(`${url}/v1/sessions/${id}`, 'GET')).body.state.step as number;
        if (next() < 0.2 && at > 0) await http(`${url}/v1/sessions/${id}/rewind`, 'POST', { to_step: Math.floor(next() * at) });
        else await step(id, Math.floor(next() * 4));
      }
      for (const event of await stream.drain(30)) apply(event);
      stream.close();
      await step(id, 9);
      if (next() < 0.5) await http(`${url}/v1/sessions/${id}/rewind`, 'POST', { to_step: Math.max(0, timeline.length - 3) });
      stream = await watch(id, '', { 'last-event-id': String(timeline.length - 1) });
    }
    const recorded = (await history(id)).map((entry) => entry.state);
    for (let wait = 0; wait < 40 && timeline.length !== recorded.length; wait++) {
      for (const event of await stream.drain(50)) apply(event);
    }
    expect(timeline).toEqual(recorded);
    expect(await stream.pending(100)).toEqual([]);
  }, 60_000);

  it('sends heartbeats as comment lines while nothing happens', async () => {
    const stream = await watch(await createSession());
    await stream.waitForComments(2);
    expect(stream.comments[0]).toBe('heartbeat');
    expect(await stream.pending(0)).toEqual([]);
  });

  it('refuses with problem documents before streaming anything', async () => {
    const id = await createSession();
    const cases: [string, Record<string, string>, number, string][] = [
      ['/v1/sessions/nope/events', {}, 404, "no session with id 'nope'"],
      [`/v1/sessions/${id}/events`, { 'last-event-id': 'abc' }, 400, 'last-event-id'],
      [`/v1/sessions/${id}/events?after_step=-1`, {}, 400, 'after_step'],
      [`/v1/sessions/${id}/events?since=3`, {}, 400, 'since: unknown query parameter'],
    ];
    for (const [path, headers, status, detail] of cases) {
      const answer = await fetch(url + path, { headers });
      expect(answer.status, path).toBe(status);
      expect(answer.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
      expect(((await answer.json()) as { detail: string }).detail).toContain(detail);
    }
  });
});

describe('live connection limits and closing', () => {
  it('bounds streams and waits per client (429) and in total (503), and frees a slot when one closes', async () => {
    const server = await startListeningApp({ live: { limits: { perClient: 2, total: 2 } } });
    try {
      const created = await http(`${server.url}/v1/sessions`, 'POST', { param_groups: [{ lr: 1 }], scheduler: { type: 'StepLR', step_size: 1 } });
      const events = `${server.url}/v1/sessions/${created.body.id}/events`;
      const one = await EventStream.open(events);
      const two = await EventStream.open(events);
      expect([one.status, two.status]).toEqual([200, 200]);
      for (const path of [events, `${server.url}/v1/sessions/${created.body.id}/state?min_step=5&wait=1`]) {
        const refused = await fetch(path);
        expect(refused.status).toBe(429);
        expect(refused.headers.get('content-type')).toContain('application/problem+json');
        expect(refused.headers.get('retry-after')).toBe('5');
        expect(await refused.json()).toMatchObject({
          type: 'urn:lrsched:problem:too-many-live-connections',
          detail: expect.stringContaining('the most one client may'),
        });
      }
      // A wait already answered holds nothing.
      expect((await http(`${server.url}/v1/sessions/${created.body.id}/state?min_step=0`, 'GET')).status).toBe(200);
      one.close();
      const three = await waitForStatus(events, 200);
      expect(three.status).toBe(200);
      three.close();
      two.close();
    } finally {
      await server.close();
    }
    const crowded = await startListeningApp({ live: { limits: { perClient: 5, total: 1 } } });
    try {
      const created = await http(`${crowded.url}/v1/sessions`, 'POST', { param_groups: [{ lr: 1 }], scheduler: { type: 'StepLR', step_size: 1 } });
      const events = `${crowded.url}/v1/sessions/${created.body.id}/events`;
      const one = await EventStream.open(events);
      const refused = await fetch(events);
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('5');
      expect(await refused.json()).toMatchObject({
        type: 'urn:lrsched:problem:live-connections-exhausted',
        detail: expect.stringContaining('try again later'),
      });
      one.close();
    } finally {
      await crowded.close();
    }
  });

  it('closing the server ends every stream and wait at once, not after the drain grace', async () => {
    const server = await startListeningApp();
    const created = await http(`${server.url}/v1/sessions`, 'POST', { param_groups: [{ lr: 1 }], scheduler: { type: 'StepLR', step_size: 1 } });
    const open = await Promise.all(
      [1, 2, 3].map(() => EventStream.open(`${server.url}/v1/sessions/${created.body.id}/events`)),
    );
    const waiting = http(`${server.url}/v1/sessions/${created.body.id}/state?min_step=1&wait=60`, 'GET');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeLessThan(2_000);
    for (const stream of open) expect(await stream.end(1_000)).toEqual([]);
    expect(await waiting).toMatchObject({ status: 200, body: { step: 0 } });
  });
});

/** A slot is freed when the server sees the disconnect, a moment after the client closes. */
async function waitForStatus(path: string, status: number): Promise<EventStream> {
  for (let attempt = 0; ; attempt++) {
    const stream = await EventStream.open(path);
    if (stream.status === status || attempt === 50) return stream;
    stream.close();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
