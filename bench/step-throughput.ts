/**
 * The step route under load, against anchors measured in the same run on the same machine:
 * 64 training jobs, each stepping its own ReduceLROnPlateau session with expected_step,
 * against a bare Fastify route, Fastify + better-sqlite3 with one transaction per step
 * (WAL, synchronous NORMAL and FULL), and the service as npm start runs it (synchronous
 * FULL; request logs on, as by default, and off). Each server runs on one core, the load
 * generator on the other.
 */
import { join } from 'node:path';
import { trouble, type LoadResult } from './support/load-result.js';
import { heading, line } from './support/report.js';
import {
  ensureBuilt,
  PINNING,
  pinned,
  runLoad,
  SERVER_CORE,
  startServer,
  startService,
  tsxScript,
  type Running,
} from './support/processes.js';
import { benchDirectory } from './support/temporary.js';

const CONNECTIONS = 64;
const WARM_UP_SECONDS = 2;
const MEASURED_SECONDS = 10;

ensureBuilt();
const dir = benchDirectory();
const anchor = (script: string, env: Record<string, string> = {}) => () =>
  startServer(pinned(SERVER_CORE, tsxScript(`bench/anchors/${script}`)), env);
const targets: [string, () => Promise<Running>][] = [
  ['anchor: bare Fastify route', anchor('bare.ts')],
  ['anchor: Fastify + better-sqlite3, WAL, synchronous=NORMAL', anchor('sqlite.ts', { SYNCHRONOUS: 'NORMAL', DATABASE_PATH: join(dir.path, 'normal.db') })],
  ['anchor: Fastify + better-sqlite3, WAL, synchronous=FULL', anchor('sqlite.ts', { SYNCHRONOUS: 'FULL', DATABASE_PATH: join(dir.path, 'full.db') })],
  ['lrsched step route (FULL, LOG_LEVEL=info: the default)', () => startService(join(dir.path, 'info.db'))],
  ['lrsched step route (FULL, LOG_LEVEL=warn: no request logs)', () => startService(join(dir.path, 'warn.db'), 'warn')],
];

heading(
  `Step throughput: ${CONNECTIONS} jobs, ${MEASURED_SECONDS} s each after ${WARM_UP_SECONDS} s of warm-up` +
    (PINNING ? `; servers on core ${SERVER_CORE}, load on the other` : '; NOT pinned (needs 2 cores and taskset)'),
);
const results = new Map<string, LoadResult>();
const cpu = (result: LoadResult) =>
  result.cpuMicrosPerRequest === undefined ? '' : `  server CPU ${result.cpuMicrosPerRequest.toFixed(0)} µs/request`;
try {
  for (const [label, start] of targets) {
    const server = await start();
    try {
      const result = await runLoad<LoadResult>('bench/support/step-jobs.ts', [
        server.url,
        String(WARM_UP_SECONDS),
        String(MEASURED_SECONDS),
        String(CONNECTIONS),
        String(server.child.pid),
      ]);
      results.set(label, result);
      line(label, `${result.requestsPerSecond.toFixed(0).padStart(6)} req/s  p50 ${result.p50} ms  p99 ${result.p99} ms${cpu(result)}${trouble(result)}`);
    } finally {
      await server.stop();
    }
  }
} finally {
  dir.remove();
}

const [bare, normal, full, service, quiet] = targets.map(([label]) => results.get(label) as LoadResult);
const ratios = (label: string, of: LoadResult) => {
  for (const [name, base] of [['bare', bare], ['NORMAL', normal], ['FULL', full]] as const) {
    const throughput = (of.requestsPerSecond / base!.requestsPerSecond).toFixed(2);
    const p99 = (of.p99 / Math.max(base!.p99, 1)).toFixed(2);
    const cpuRatio =
      of.cpuMicrosPerRequest === undefined || base!.cpuMicrosPerRequest === undefined
        ? ''
        : `  CPU per request x${(of.cpuMicrosPerRequest / base!.cpuMicrosPerRequest).toFixed(2)}`;
    line(`  ${label} vs ${name} anchor`, `throughput x${throughput}  p99 x${p99}${cpuRatio}`);
  }
};
heading('Ratios (issue 13 asks, with FULL kept: throughput >= 0.8 x NORMAL, p99 <= 2 x NORMAL)');
ratios('step route (default)', service!);
ratios('step route (no request logs)', quiet!);
