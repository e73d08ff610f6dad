import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANGES_CHANNEL } from '../../src/store/postgres-change-feed.js';
import { EventStream } from '../support/event-stream.js';
import { http, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { createPostgresTestDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * Steps, rewinds and deletes NOTIFY only while some replica watches their session (a lease
 * in sessions.watched_until; src/store/postgres-watch-leases.ts). Real service processes on
 * one database; what is notified is seen by a LISTEN connection of the test's own. The
 * replicas here run with a 2 s lease (LRSCHED_WATCH_LEASE_SECONDS), renewed every second,
 * so that lapses and renewals happen within a test.
 */

const LEASE_SECONDS = 2;
const SHORT_LEASE = { LRSCHED_WATCH_LEASE_SECONDS: String(LEASE_SECONDS) };

let database: TestDatabase;
let url: string;
/** The admin's connection: reads leases, and sends the sentinels. */
let admin: pg.Client;
let notices: NoticeLog;
let watching: ServerProcess;
let stepping: ServerProcess;
const started: ServerProcess[] = [];

async function startReplica(env: NodeJS.ProcessEnv = SHORT_LEASE): Promise<ServerProcess> {
  const replica = await startServerProcess(database.options, env);
  started.push(replica);
  return replica;
}

/** A LISTEN connection on the service's channel, recording every notice in arrival (commit) order. */
class NoticeLog {
  private readonly received: { change?: { sessionId: string; kind: string; step: number }; stored?: number; sentinel?: string }[] = [];

  private constructor(private readonly client: pg.Client) {
    client.on('notification', ({ payload }) => this.received.push(JSON.parse(payload ?? 'null')));
  }

  static async open(): Promise<NoticeLog> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`LISTEN ${CHANGES_CHANNEL}`);
    return new NoticeLog(client);
  }

  /**
   * The changes of `sessionId` notified so far, as "kind step": certain to be all of them
   * committed before this call, because a sentinel notified after them has come back (NOTIFY
   * delivers in commit order). Changes too large for NOTIFY do not occur here.
   */
  async of(sessionId: string): Promise<string[]> {
    const sentinel = randomUUID();
    await admin.query('SELECT pg_notify($1, $2)', [CHANGES_CHANNEL, JSON.stringify({ sentinel })]);
    await until(() => this.received.some((notice) => notice.sentinel === sentinel), 'the sentinel notice');
    expect(this.received.filter((notice) => notice.stored !== undefined)).toEqual([]);
    return this.received.flatMap(({ change }) => (change?.sessionId === sessionId ? [`${change.kind} ${change.step}`] : []));
  }

  close(): Promise<void> {
    return this.client.end();
  }
}

async function until(condition: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether the session's lease runs now, by the database's clock. */
async function leaseRuns(id: string): Promise<boolean> {
  const { rows } = await admin.query<{ runs: boolean }>('SELECT coalesce(watched_until > now(), false) AS runs FROM sessions WHERE id = $1', [id]);
  return rows[0]?.runs === true;
}

async function createSession(replica: ServerProcess): Promise<string> {
  const created = await http(`${replica.url}/v1/sessions`, 'POST', { param_groups: [{ lr: 1 }], scheduler: { type: 'ExponentialLR', gamma: 0.9 } });
  expect(created.status).toBe(201);
  return created.body.id as string;
}

async function step(replica: ServerProcess, id: string, expectedStep: number): Promise<void> {
  const answer = await http(`${replica.url}/v1/sessions/${id}/step`, 'POST', { expected_step: expectedStep });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
}

beforeAll(async () => {
  database = await createPostgresTestDatabase(4);
  url = (database.options as { url: string }).url;
  [watching, stepping] = await Promise.all([startReplica(), startReplica()]);
  admin = new pg.Client({ connectionString: url });
  await admin.connect();
  notices = await NoticeLog.open();
});
afterAll(async () => {
  for (const replica of started) replica.child.kill('SIGKILL');
  await Promise.all(started.map((replica) => replica.exited));
  await notices?.close();
  await admin?.end();
  await database.remove();
});

describe('NOTIFY only for watched sessions, on PostgreSQL', () => {
  it('sends no notice for a session nobody watches, one for each change while one is watched, none again once the watcher has gone', async () => {
    const id = await createSession(stepping);
    await step(stepping, id, 0);
    expect(await notices.of(id)).toEqual([]);
    expect(await leaseRuns(id)).toBe(false);

    const stream = await EventStream.open(`${watching.url}/v1/sessions/${id}/events`);
    try {
      expect(stream.status).toBe(200);
      expect(await leaseRuns(id)).toBe(true);
      await step(stepping, id, 1);
      await http(`${stepping.url}/v1/sessions/${id}/rewind`, 'POST', { to_step: 1 });
      expect((await stream.take(2)).map((event) => `${event.event} ${event.id}`)).toEqual(['step 2', 'rewind 1']);
      expect(await notices.of(id)).toEqual(['step 2', 'rewind 1']);
    } finally {
      stream.close();
    }

    // Nobody renews the lease now: it lapses within a lease.
    await until(async () => !(await leaseRuns(id)), 'the lease lapsing', (LEASE_SECONDS + 2) * 1000);
    await step(stepping, id, 1);
    expect(await notices.of(id)).toEqual(['step 2', 'rewind 1']);
  });

  it('misses no step of a watch that starts while steps stream in through another replica', async () => {
    // The watch's marking and first read take some milliseconds; the steps stop at a later moment each round,
    // so that some round's last step lands just before, during or just after them.
    for (let round = 0; round < 12; round++) {
      const id = await createSession(stepping);
      let steps = 0;
      for (; steps < 3; steps++) await step(stepping, id, steps);
      const opened = EventStream.open(`${watching.url}/v1/sessions/${id}/events`, { 'last-event-id': '0' });
      const stopAt = performance.now() + round * 8;
      while (performance.now() < stopAt) await step(stepping, id, steps++);
      const stream = await opened;
      try {
        // A step committed unannounced after the watch's read would never reach it: nothing steps after it.
        const events = await stream.take(steps, 3_000);
        expect(events.map((event) => `${event.event} ${event.id}`), `round ${round}`).toEqual(
          Array.from({ length: steps }, (_, k) => `step ${k + 1}`),
        );
      } finally {
        stream.close();
      }
    }
  });

  it('keeps a watch that outlasts its lease alive by renewing it: streams and waits still hear steps through another replica', async () => {
    const id = await createSession(stepping);
    const stream = await EventStream.open(`${watching.url}/v1/sessions/${id}/events`);
    try {
      const waited = http(`${watching.url}/v1/sessions/${id}/state?min_step=1&wait=20`, 'GET');
      await sleep(LEASE_SECONDS * 2.5 * 1000);
      expect(await leaseRuns(id)).toBe(true);
      await step(stepping, id, 0);
      expect((await stream.take(1, 1_000))[0]).toMatchObject({ event: 'step', id: '1' });
      expect((await waited).body).toMatchObject({ step: 1 });
      expect(await notices.of(id)).toEqual(['step 1']);
    } finally {
      stream.close();
    }
  });

  it('lets the lease lapse when the watching replica is killed -9', async () => {
    const doomed = await startReplica();
    const id = await createSession(stepping);
    const stream = await EventStream.open(`${doomed.url}/v1/sessions/${id}/events`);
    expect(stream.status).toBe(200);
    expect(await leaseRuns(id)).toBe(true);
    doomed.child.kill('SIGKILL');
    await doomed.exited;
    stream.close();
    await until(async () => !(await leaseRuns(id)), 'the lease lapsing', (LEASE_SECONDS + 2) * 1000);
    await step(stepping, id, 0);
    expect(await notices.of(id)).toEqual([]);
  });

  it('marks its sessions watched again when its change feed listens again after losing its connection', async () => {
    // The default lease (60 s): only the change feed's return marks again within this test.
    const replica = await startReplica({});
    const id = await createSession(stepping);
    const stream = await EventStream.open(`${replica.url}/v1/sessions/${id}/events`);
    try {
      expect(await leaseRuns(id)).toBe(true);
      // The listening connections go, and the lease with them, as if it had lapsed while the database was away.
      await admin.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'lrsched-change-feed' AND datname = current_database()",
      );
      await admin.query('UPDATE sessions SET watched_until = NULL WHERE id = $1', [id]);
      await until(() => leaseRuns(id), 'the lease marked again');
      await step(stepping, id, 0);
      const events = await stream.take(1, 2_000);
      expect(events.map((event) => `${event.event} ${event.id}`)).toEqual(['step 1']);
    } finally {
      stream.close();
    }
  });

  it('tells a watcher on one replica of a delete through another, and the session notifies no more', async () => {
    const id = await createSession(stepping);
    const stream = await EventStream.open(`${watching.url}/v1/sessions/${id}/events`);
    try {
      expect((await http(`${stepping.url}/v1/sessions/${id}`, 'DELETE')).status).toBe(204);
      expect(await stream.end()).toMatchObject([{ event: 'deleted', id: '0' }]);
      expect(await notices.of(id)).toEqual(['deleted 0']);
    } finally {
      stream.close();
    }
  });
});
