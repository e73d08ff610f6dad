import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventStream } from '../support/event-stream.js';
import { constructedCases, expectPoint, wireReport } from '../support/golden.js';
import { expectHistoryReplays, type Request } from '../support/history-replay.js';
import { expectNoStepLostOrDoubled, startSteppingLoad } from '../support/stepping-load.js';
import { http, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { createPostgresTestDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * Three service processes on one PostgreSQL database, requests spread over them in turn,
 * one of them killed with SIGKILL and started again while clients step.
 */

let database: TestDatabase;
const replicas: ServerProcess[] = [];
beforeAll(async () => {
  database = await createPostgresTestDatabase(4);
  for (let k = 0; k < 3; k++) replicas.push(await startServerProcess(database.options));
});
afterAll(async () => {
  for (const replica of replicas) replica.child.kill('SIGKILL');
  await Promise.all(replicas.map((replica) => replica.exited));
  await database.remove();
});

let turn = 0;
/** The next request, through the next replica in turn. */
const roundRobin: Request = (method, path, body) => {
  const replica = replicas[turn++ % replicas.length] as ServerProcess;
  return http(`${replica.url}${path}`, method, body);
};

describe('three replicas on PostgreSQL, requests round-robin', () => {
  it('replay every golden PyTorch trace', async () => {
    for (const golden of constructedCases) {
      const created = await roundRobin('POST', '/v1/sessions', { param_groups: golden.param_groups, scheduler: golden.scheduler });
      expect(created.status, golden.id).toBe(201);
      const id = created.body.id as string;
      let step = 0;
      for (const [k, goldenStep] of golden.steps!.entries()) {
        const answer = await roundRobin('POST', `/v1/sessions/${id}/step`, { ...wireReport(goldenStep), expected_step: step });
        if (goldenStep.error) {
          expect(answer.status, `${golden.id} step ${k + 1}`).toBe(422);
          continue;
        }
        expect(answer.status, `${golden.id} step ${k + 1}`).toBe(200);
        expect(answer.body.step).toBe(++step);
        expectPoint(answer.body, goldenStep, `${golden.id} step ${k + 1}`);
      }
      await expectHistoryReplays(roundRobin, id);
    }
  });

  it('keep the step protocol across replicas: a retry through another replica replays, a stale step is 409, keys find their session', async () => {
    const body = { key: 'across', param_groups: [{ lr: 1 }], scheduler: { type: 'ReduceLROnPlateau', patience: 0 } };
    const created = await roundRobin('POST', '/v1/sessions', body);
    const again = await roundRobin('POST', '/v1/sessions', body);
    expect([created.status, again.status]).toEqual([201, 200]);
    expect(again.body.id).toBe(created.body.id);
    const id = created.body.id as string;
    const first = await roundRobin('POST', `/v1/sessions/${id}/step`, { metric: 2, expected_step: 0 });
    const retry = await roundRobin('POST', `/v1/sessions/${id}/step`, { metric: 2, expected_step: 0 });
    expect(retry.body).toEqual({ ...first.body, replayed: true });
    expect((await roundRobin('POST', `/v1/sessions/${id}/step`, { metric: 3, expected_step: 0 })).status).toBe(409);
    await roundRobin('POST', `/v1/sessions/${id}/step`, { metric: 3, expected_step: 1 });
    expect((await roundRobin('POST', `/v1/sessions/${id}/rewind`, { to_step: 1 })).body.step).toBe(1);
    expect((await roundRobin('GET', `/v1/sessions/${id}`)).body.state.step).toBe(1);
    expect((await roundRobin('DELETE', `/v1/sessions/${id}`)).status).toBe(204);
    expect((await roundRobin('GET', `/v1/sessions/${id}`)).status).toBe(404);
  });

  it('tell an event-stream watcher on one replica of steps taken through another within 100 ms', async () => {
    const [watched, stepping] = [replicas[0] as ServerProcess, replicas[1] as ServerProcess];
    const created = await http(`${stepping.url}/v1/sessions`, 'POST', { param_groups: [{ lr: 1 }], scheduler: { type: 'ExponentialLR', gamma: 0.9 } });
    const id = created.body.id as string;
    const stream = await EventStream.open(`${watched.url}/v1/sessions/${id}/events`);
    try {
      expect(stream.status).toBe(200);
      const latencies: number[] = [];
      for (let step = 0; step < 20; step++) {
        const answer = await http(`${stepping.url}/v1/sessions/${id}/step`, 'POST', { expected_step: step });
        const answered = performance.now();
        const [event] = await stream.take(1);
        latencies.push(performance.now() - answered);
        expect(event).toMatchObject({ event: 'step', id: String(step + 1) });
        expect(event!.data.state).toEqual({ ...answer.body, replayed: undefined });
      }
      // A rewind through the third replica too.
      await http(`${(replicas[2] as ServerProcess).url}/v1/sessions/${id}/rewind`, 'POST', { to_step: 5 });
      expect((await stream.take(1))[0]).toMatchObject({ event: 'rewind', id: '5' });
      expect(Math.max(...latencies), `latencies ${latencies.map((ms) => ms.toFixed(1)).join(', ')} ms`).toBeLessThan(100);
      console.info(`event after the step's answer: at most ${Math.max(...latencies).toFixed(1)} ms over ${latencies.length} steps`);
    } finally {
      stream.close();
    }
  });

  it('answer a wait on one replica when a step through another reaches it, even with a state too large for NOTIFY', async () => {
    // 200 groups: the state runs past NOTIFY's 8000 bytes, so the change travels through change_notices.
    const param_groups = Array.from({ length: 200 }, (_, i) => ({ lr: 0.1 + i / 1000, momentum: 0.9 }));
    const created = await roundRobin('POST', '/v1/sessions', { param_groups, scheduler: { type: 'OneCycleLR', max_lr: 1, total_steps: 50 } });
    const id = created.body.id as string;
    const waiting = http(`${(replicas[2] as ServerProcess).url}/v1/sessions/${id}/state?min_step=2&wait=20`, 'GET');
    const stream = await EventStream.open(`${(replicas[2] as ServerProcess).url}/v1/sessions/${id}/events`);
    try {
      await http(`${(replicas[0] as ServerProcess).url}/v1/sessions/${id}/step`, 'POST', { expected_step: 0 });
      const second = await http(`${(replicas[1] as ServerProcess).url}/v1/sessions/${id}/step`, 'POST', { expected_step: 1 });
      const waited = await waiting;
      expect(waited.status).toBe(200);
      expect(waited.body).toEqual({ ...second.body, replayed: undefined });
      await http(`${(replicas[0] as ServerProcess).url}/v1/sessions/${id}/rewind`, 'POST', { to_step: 1 });
      const events = await stream.take(3);
      expect(events.map((event) => `${event.event} ${event.id}`)).toEqual(['step 1', 'step 2', 'rewind 1']);
      expect(events[2]!.data.state.lrs).toHaveLength(200);
      const client = new pg.Client({ connectionString: (database.options as { url: string }).url });
      await client.connect();
      const { rows } = await client.query<{ count: string }>('SELECT count(*) FROM change_notices');
      await client.end();
      expect(Number(rows[0]!.count)).toBeGreaterThanOrEqual(3);
      await http(`${(replicas[1] as ServerProcess).url}/v1/sessions/${id}`, 'DELETE');
      expect((await stream.take(1))[0]).toMatchObject({ event: 'deleted', id: '1' });
    } finally {
      stream.close();
    }
  });

  it('under 32 clients stepping, with a replica killed -9 and restarted again and again, lose no answered step and double none', async () => {
    const CLIENTS = 32;
    const STEPS = 30;
    const load = startSteppingLoad(roundRobin, { name: 'load', clients: CLIENTS, steps: STEPS });

    /** Kills replica k mod 3 with SIGKILL, requests in flight and all, once each share of the steps is answered, then starts it again. */
    async function killAndRestart(shares: number[]) {
      for (const [k, share] of shares.entries()) {
        await load.reached(share * CLIENTS * STEPS);
        const victim = replicas[k % replicas.length] as ServerProcess;
        victim.child.kill('SIGKILL');
        await victim.exited;
        replicas[k % replicas.length] = await startServerProcess(database.options);
      }
    }

    const killer = killAndRestart([0.1, 0.3, 0.5, 0.7]);
    const runs = await load.runs;
    await killer;
    // The kills did cut requests: some were retried, and those that had landed were answered as replays.
    expect(load.unanswered()).toBeGreaterThan(0);
    const replays = await expectNoStepLostOrDoubled(roundRobin, runs);
    console.info(`${CLIENTS * STEPS} steps answered, ${load.unanswered()} requests cut or refused and sent again, ${replays} answered as replays`);
  });
});
