import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
