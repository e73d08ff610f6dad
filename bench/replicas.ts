/**
 * Step throughput through real service processes (`npm run bench`): 32 clients, each
 * stepping a session of its own with expected_step, requests spread round-robin over the
 * processes; SQLite (one process, synchronous=FULL) beside PostgreSQL through 1 and
 * through 3 replicas. PostgreSQL is TEST_DATABASE_URL's when set (its user must be allowed
 * to create databases), else a server started here like the tests' (Debian's postgresql),
 * but with fsync on, as SQLite's synchronous=FULL.
 * Numbers are printed, not asserted; the ratios to the SQLite figure of the same run are
 * what compares across machines. Every process shares this machine's cores with the
 * clients and PostgreSQL, so more replicas add throughput only where there are cores to spare.
 */
import { performance } from 'node:perf_hooks';
import type { DatabaseOptions } from '../src/store/open-store.js';
import { createDatabase, startPostgresServer, type PostgresServer } from '../test/support/postgres-server.js';
import { http, startServerProcess, type ServerProcess } from '../test/support/server-process.js';
import { tempDir } from '../test/support/temp-dir.js';

const CLIENTS = 32;
const STEPS_PER_CLIENT = 60;

/** Steps per second of CLIENTS clients stepping through `replicas` round-robin. */
async function stepsPerSecond(replicas: readonly ServerProcess[], label: string): Promise<number> {
  let turn = 0;
  const request = async (path: string, body: object) => {
    const answer = await http(`${(replicas[turn++ % replicas.length] as ServerProcess).url}${path}`, 'POST', body);
    if (answer.status >= 300) throw new Error(`${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body as { id: string };
  };
  const ids = await Promise.all(
    Array.from({ length: CLIENTS }, (_, client) =>
      request('/v1/sessions', { key: `${label}-${client}`, param_groups: [{ lr: 0.1 }], scheduler: { type: 'ReduceLROnPlateau', patience: 2 } }),
    ),
  );
  const started = performance.now();
  await Promise.all(
    ids.map(async ({ id }) => {
      for (let step = 0; step < STEPS_PER_CLIENT; step++) {
        await request(`/v1/sessions/${id}/step`, { metric: 1 / (1 + (step % 7)), expected_step: step });
      }
    }),
  );
  return (CLIENTS * STEPS_PER_CLIENT) / ((performance.now() - started) / 1000);
}

async function measure(label: string, database: DatabaseOptions, processes: number): Promise<number> {
  const replicas: ServerProcess[] = [];
  try {
    for (let k = 0; k < processes; k++) replicas.push(await startServerProcess(database));
    return await stepsPerSecond(replicas, label.replace(/\W+/g, '-'));
  } finally {
    for (const replica of replicas) replica.child.kill('SIGTERM');
    await Promise.all(replicas.map((replica) => replica.exited));
  }
}

const sqliteDir = tempDir('lrsched-bench-');
let server: PostgresServer | undefined;
try {
  const adminUrl = process.env.TEST_DATABASE_URL ?? (server = startPostgresServer({ durable: true })).url();
  const postgres = async (name: string): Promise<DatabaseOptions> => ({
    kind: 'postgres',
    url: (await createDatabase(adminUrl, `lrsched_bench_${name}_${process.pid}`)).url,
    poolSize: 10,
  });
  const sqlite = await measure('SQLite, 1 process', { kind: 'sqlite', path: `${sqliteDir.dir}/bench.db` }, 1);
  const results: [string, number][] = [
    ['SQLite (synchronous=FULL), 1 process', sqlite],
    ['PostgreSQL, 1 replica', await measure('PostgreSQL, 1 replica', await postgres('one'), 1)],
    ['PostgreSQL, 3 replicas', await measure('PostgreSQL, 3 replicas', await postgres('three'), 3)],
  ];
  for (const [label, rate] of results) {
    console.log(
      `steps: ${CLIENTS} clients x ${STEPS_PER_CLIENT} steps, ${label.padEnd(38)} ${rate.toFixed(0).padStart(6)} steps/s  (${(rate / sqlite).toFixed(2)} x SQLite)`,
    );
  }
} finally {
  server?.remove();
  sqliteDir.remove();
}
