/**
 * Step throughput through real service processes (`npm run bench`): 32 clients, each
 * stepping a session of its own with expected_step, requests spread round-robin over the
 * processes; SQLite (one process, its default durability) beside PostgreSQL through 1 and
 * through 3 replicas. PostgreSQL is TEST_DATABASE_URL's when set (its user must be allowed
 * to create databases), else a server started here like the tests' (Debian's postgresql),
 * but with fsync on, as in production.
 *
 * As in the other benchmarks, the servers (the service processes, and the PostgreSQL this
 * starts) run on the server core and the clients on the load core; on a two-core machine
 * three replicas therefore share one core with their database, so the figure says what
 * replicas cost, not how they scale on machines of their own. Numbers are printed, not
 * asserted; the ratios to the SQLite figure of the same run are what compares.
 */
import { performance } from 'node:perf_hooks';
import type { DatabaseOptions } from '../src/store/open-store.js';
import { createDatabase, startPostgresServer, type PostgresServer } from '../test/support/postgres-server.js';
import { http } from '../test/support/server-process.js';
import { heading, line } from './support/report.js';
import { ensureBuilt, PINNING, pinned, SERVER_CORE, serviceNodeFlags, startServer, type Running } from './support/processes.js';
import { benchDirectory } from './support/temporary.js';

const CLIENTS = 32;
const WARM_UP_MS = 2_000;
const MEASURED_MS = 8_000;

/** Steps per second of CLIENTS clients stepping through `replicas` round-robin, over MEASURED_MS after a warm-up. */
async function stepsPerSecond(replicas: readonly Running[], label: string): Promise<number> {
  let turn = 0;
  const request = async (path: string, body: object) => {
    const answer = await http(`${(replicas[turn++ % replicas.length] as Running).url}${path}`, 'POST', body);
    if (answer.status >= 300) throw new Error(`${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body as { id: string };
  };
  const ids = await Promise.all(
    Array.from({ length: CLIENTS }, (_, client) =>
      request('/v1/sessions', { key: `${label}-${client}`, param_groups: [{ lr: 0.1 }], scheduler: { type: 'ReduceLROnPlateau', patience: 2 } }),
    ),
  );
  const start = performance.now();
  const [measureFrom, measureTo] = [start + WARM_UP_MS, start + WARM_UP_MS + MEASURED_MS];
  let measured = 0;
  await Promise.all(
    ids.map(async ({ id }) => {
      for (let step = 0; performance.now() < measureTo; step++) {
        await request(`/v1/sessions/${id}/step`, { metric: 1 / (1 + (step % 7)), expected_step: step });
        const answeredAt = performance.now();
        if (answeredAt >= measureFrom && answeredAt < measureTo) measured++;
      }
    }),
  );
  return measured / (MEASURED_MS / 1000);
}

/** The environment that points the service at `database`. */
const environment = (database: DatabaseOptions): Record<string, string> =>
  database.kind === 'sqlite' ? { DATABASE_PATH: database.path } : { DATABASE_URL: database.url, DATABASE_POOL_SIZE: String(database.poolSize) };

async function measure(label: string, database: DatabaseOptions, processes: number): Promise<number> {
  const replicas: Running[] = [];
  try {
    for (let k = 0; k < processes; k++) {
      replicas.push(
        await startServer(pinned(SERVER_CORE, [process.execPath, ...serviceNodeFlags(), 'dist/server.js']), { ...environment(database), LOG_LEVEL: 'warn' }),
      );
    }
    return await stepsPerSecond(replicas, label.replace(/\W+/g, '-'));
  } finally {
    await Promise.all(replicas.map((replica) => replica.stop()));
  }
}

ensureBuilt();
const dir = benchDirectory();
let server: PostgresServer | undefined;
try {
  const adminUrl =
    process.env.TEST_DATABASE_URL ?? (server = startPostgresServer({ durable: true, pinnedBy: pinned(SERVER_CORE, []) })).url();
  const postgres = async (name: string): Promise<DatabaseOptions> => ({
    kind: 'postgres',
    url: (await createDatabase(adminUrl, `lrsched_bench_${name}_${process.pid}`)).url,
    poolSize: 10,
  });
  heading(
    `Steps through replicas: ${CLIENTS} clients round-robin, ${MEASURED_MS / 1000} s after ${WARM_UP_MS / 1000} s of warm-up, request logs off` +
      (PINNING ? `; servers and PostgreSQL on core ${SERVER_CORE}, clients on the other` : '; NOT pinned (needs 2 cores and taskset)'),
  );
  const sqlite = await measure('SQLite, 1 process', { kind: 'sqlite', path: `${dir.path}/bench.db` }, 1);
  const results: [string, number][] = [
    ['SQLite, 1 process', sqlite],
    ['PostgreSQL, 1 replica', await measure('PostgreSQL, 1 replica', await postgres('one'), 1)],
    ['PostgreSQL, 3 replicas', await measure('PostgreSQL, 3 replicas', await postgres('three'), 3)],
  ];
  for (const [label, rate] of results) line(label, `${rate.toFixed(0).padStart(6)} steps/s  (${(rate / sqlite).toFixed(2)} x SQLite)`);
} finally {
  server?.remove();
  dir.remove();
}
