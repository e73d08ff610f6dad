import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../support/app.js';
import { goldenCases, expectPoint, wireReport } from '../support/golden.js';
import type { Request } from '../support/history-replay.js';
import { writeLargeSession } from '../support/large-session.js';
import { seededUniform } from '../support/random.js';
import { http, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { expectNoStepLostOrDoubled, startSteppingLoad } from '../support/stepping-load.js';

/** The real server process: listening, killed with SIGKILL, shut down with SIGTERM. */

const running: ServerProcess[] = [];
const dirs: (() => void)[] = [];
afterEach(() => {
  for (const server of running.splice(0)) server.child.kill('SIGKILL');
  for (const remove of dirs.splice(0)) remove();
});

async function start(databasePath: string): Promise<ServerProcess> {
  const server = await startServerProcess({ kind: 'sqlite', path: databasePath });
  running.push(server);
  return server;
}

function databaseFile(): string {
  const { dir, remove } = tempDir();
  dirs.push(remove);
  return join(dir, 'data', 'lrsched.db');
}

describe('the server process', () => {
  it('serves the API on a real socket and answers /healthz', async () => {
    const server = await start(databaseFile());
    expect((await http(`${server.url}/healthz`, 'GET')).status).toBe(200);
    const created = await http(`${server.url}/v1/sessions`, 'POST', {
      param_groups: [{ lr: 0.1 }],
      scheduler: { type: 'StepLR', step_size: 1, gamma: 0.5 },
    });
    expect(created.status).toBe(201);
    const stepped = await http(`${server.url}/v1/sessions/${created.body.id}/step`, 'POST', { expected_step: 0 });
    expect(stepped.body).toMatchObject({ step: 1, lrs: [0.05] });
  });

  it('loses no answered step when killed with SIGKILL, and continues exactly as PyTorch', async () => {
    const golden = goldenCases.find((c) => c.id === 'ReduceLROnPlateau/min-rel-patience2')!;
    const steps = golden.steps!;
    const path = databaseFile();
    let server = await start(path);
    const created = await http(`${server.url}/v1/sessions`, 'POST', {
      key: 'crash-test',
      param_groups: golden.param_groups,
      scheduler: golden.scheduler,
    });
    const id = created.body.id as string;

    let answered = 0; // steps answered 200
    const killPoints = [7, 19, 33, 48];
    for (const killAt of killPoints) {
      while (answered < killAt) {
        const answer = await http(`${server.url}/v1/sessions/${id}/step`, 'POST', {
          ...wireReport(steps[answered]!),
          expected_step: answered,
        });
        expect(answer.status).toBe(200);
        answered += 1;
      }
      // Kill while one more step is in flight: it may or may not land, but never half.
      const inFlight = http(`${server.url}/v1/sessions/${id}/step`, 'POST', {
        ...wireReport(steps[answered]!),
        expected_step: answered,
      }).catch(() => undefined);
      server.child.kill('SIGKILL');
      await server.exited;
      await inFlight;

      server = await start(path);
      // The restarted job finds its session by key, then retries its in-flight step.
      const found = await http(`${server.url}/v1/sessions`, 'POST', {
        key: 'crash-test',
        param_groups: golden.param_groups,
        scheduler: golden.scheduler,
      });
      expect(found.status).toBe(200);
      expect(found.body.id).toBe(id);
      expect([answered, answered + 1]).toContain(found.body.state.step);
      const retry = await http(`${server.url}/v1/sessions/${id}/step`, 'POST', {
        ...wireReport(steps[answered]!),
        expected_step: answered,
      });
      expect(retry.status).toBe(200);
      expect(retry.body.replayed).toBe(found.body.state.step === answered + 1);
      expectPoint(retry.body, steps[answered]!, `step ${answered + 1} after restart`);
      answered += 1;
    }
    while (answered < steps.length) {
      const answer = await http(`${server.url}/v1/sessions/${id}/step`, 'POST', {
        ...wireReport(steps[answered]!),
        expected_step: answered,
      });
      expectPoint(answer.body, steps[answered]!, `step ${answered + 1}`);
      answered += 1;
    }
    const history = await http(`${server.url}/v1/sessions/${id}/history?limit=1000`, 'GET');
    expect(history.body.items).toHaveLength(steps.length + 1);
    steps.forEach((s, k) => expectPoint(history.body.items[k + 1].state, s, `history ${k + 1}`));
  });

  // Group commit answers a step only once a sync that began after its group's COMMIT has
  // finished; killed at any moment, the process may leave groups committed but unanswered
  // (their retries replay) and never a group answered but lost.
  it('under 16 clients stepping, killed with SIGKILL at random moments in 12 rounds, loses no answered step and doubles none', async () => {
    const CLIENTS = 16;
    const STEPS = 100;
    const ROUNDS = 12;
    const seed = Date.now() % 1_000_000;
    const random = seededUniform(seed);
    const path = databaseFile();
    let server = await start(path);
    const request: Request = (method, at, body) => http(`${server.url}${at}`, method, body);
    const load = startSteppingLoad(request, { name: 'crash', clients: CLIENTS, steps: STEPS });
    for (let round = 0; round < ROUNDS; round++) {
      // Somewhere in the middle half of this round's share of the steps, then up to 20 ms later.
      const share = (round + 0.25 + 0.5 * random()) / ROUNDS;
      await load.reached(share * CLIENTS * STEPS);
      await new Promise((resolve) => setTimeout(resolve, 20 * random()));
      server.child.kill('SIGKILL');
      await server.exited;
      server = await start(path);
    }
    const runs = await load.runs;
    expect(load.unanswered(), `seed ${seed}`).toBeGreaterThan(0);
    const replays = await expectNoStepLostOrDoubled(request, runs);
    console.info(`seed ${seed}: ${CLIENTS * STEPS} steps answered, ${load.unanswered()} requests cut and sent again, ${replays} answered as replays`);
  }, 180_000);

  it('keeps a session deleted when killed while sweeping its history, and sweeps the rest after the restart', async () => {
    const path = databaseFile();
    const id = await writeLargeSession(path, 200, 1500);
    const rowsOf = () => {
      const db = new Database(path, { readonly: true });
      try {
        const seq = db.prepare('SELECT seq FROM sessions WHERE id = ?').pluck().get(id);
        return { session: seq === undefined ? 0 : 1, history: db.prepare('SELECT count(*) FROM history WHERE session_seq = ?').pluck().get(seq ?? -1) };
      } finally {
        db.close();
      }
    };
    let server = await start(path);
    expect((await http(`${server.url}/v1/sessions/${id}`, 'DELETE')).status).toBe(204);
    server.child.kill('SIGKILL');
    await server.exited;
    const left = rowsOf();
    expect(left.session, 'the kill came after the sweep had finished').toBe(1);
    expect(left.history).toBeGreaterThan(0);

    server = await start(path);
    expect((await http(`${server.url}/v1/sessions/${id}`, 'GET')).status).toBe(404);
    expect((await http(`${server.url}/v1/sessions/${id}/history`, 'GET')).status).toBe(404);
    // The log line comes through a pipe, maybe a little after the rows are gone.
    const swept = () => logMessages(server).some((line) => line.level === 30 && line.msg === 'deleted session swept');
    for (let waited = 0; rowsOf().session > 0 || !swept(); waited += 50) {
      expect(waited, 'the restarted server never finished sweeping').toBeLessThan(20_000);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(rowsOf()).toEqual({ session: 0, history: 0 });
  });

  it('finishes in-flight requests on SIGTERM, then exits 0 with the database closed', async () => {
    const path = databaseFile();
    const server = await start(path);
    const created = await http(`${server.url}/v1/sessions`, 'POST', {
      param_groups: [{ lr: 0.1 }],
      scheduler: { type: 'StepLR', step_size: 1, gamma: 0.5 },
    });
    expect(created.status).toBe(201);
    // Open in WAL mode, with a write in the log: SQLite deletes this file only when the last
    // connection closes cleanly (test/store/database.test.ts); a killed process leaves it.
    expect(existsSync(`${path}-wal`)).toBe(true);

    const preview = http(`${server.url}/v1/preview`, 'POST', {
      param_groups: [{ lr: 0.1, momentum: 0.9 }],
      scheduler: { type: 'OneCycleLR', max_lr: 0.1, total_steps: 100000 },
      steps: 100000,
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    server.child.kill('SIGTERM');
    const answer = await preview;
    expect(answer.status).toBe(200);
    expect(answer.body.points).toHaveLength(100001);
    expect(await server.exited).toBe(0);

    const messages = logMessages(server);
    expect(messages).toContainEqual({ level: 30, msg: 'shutting down' });
    expect(messages).toContainEqual({ level: 30, msg: 'closed' });
    expect(messages.filter((m) => m.level >= 50)).toEqual([]);
    expect(existsSync(`${path}-wal`)).toBe(false);
    expect(existsSync(`${path}-shm`)).toBe(false);

    // What was written is in the database file itself.
    const again = await start(path);
    expect((await http(`${again.url}/healthz`, 'GET')).status).toBe(200);
    expect((await http(`${again.url}/v1/sessions/${created.body.id}`, 'GET')).body.state.step).toBe(0);
  });
});

/** The server's pino lines (JSON on stdout), as level and message. */
function logMessages(server: ServerProcess): { level: number; msg: string }[] {
  return server.logs
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { level: number; msg: string })
    .map(({ level, msg }) => ({ level, msg }));
}
