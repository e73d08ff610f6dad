/**
 * Creating 10 000 sessions over HTTP (64 connections, server and load each on their own
 * core), then listing the newest page of them.
 */
import { join } from 'node:path';
import { ensureBuilt, runLoad, startService } from './support/processes.js';
import { trouble, type LoadResult } from './support/load-result.js';
import { heading, line, timeMedian } from './support/report.js';
import { benchDirectory } from './support/temporary.js';

const SESSIONS = 10_000;
const CONNECTIONS = 64;

ensureBuilt();
const dir = benchDirectory();
try {
  heading(`Sessions: ${SESSIONS} created over ${CONNECTIONS} connections`);
  const service = await startService(join(dir.path, 'sessions.db'), 'warn');
  try {
    const created = await runLoad<LoadResult>('bench/support/create-sessions.ts', [
      service.url,
      String(SESSIONS),
      String(CONNECTIONS),
    ]);
    line(
      `POST /v1/sessions x ${created.requests}`,
      `${created.seconds.toFixed(1)} s, ${created.requestsPerSecond.toFixed(0)} req/s  p50 ${created.p50} ms  p99 ${created.p99} ms${trouble(created)}`,
    );
    await timeMedian('GET /v1/sessions?limit=500 (the newest 500 of them)', async () => {
      const answer = await fetch(`${service.url}/v1/sessions?limit=500`);
      if (answer.status !== 200) throw new Error(`listing answered ${answer.status}`);
      await answer.arrayBuffer();
    });
  } finally {
    await service.stop();
  }
} finally {
  dir.remove();
}
