/**
 * Reading history over HTTP from the service as npm start runs it: a 100 000-step session
 * read in pages of 1000 and downsampled with ?points=, and a 1 000 000-step session
 * downsampled (issue 11 asks for well under 100 ms). The sessions are recorded straight
 * through the store, as the step route records them, pyramid of extremes included, many
 * steps to a transaction; recording also says what keeping the pyramid costs a step.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { OPEN_MODE_CALLER } from '../src/access/caller.js';
import { sessionInputSchema } from '../src/api/sessions.js';
import { advanceSchedule } from '../src/schedulers/schedule.js';
import { createSession } from '../src/sessions/create-session.js';
import { openDatabase, type Db } from '../src/store/database.js';
import { closeBlocksEndingAt, HistoryExtremes } from '../src/store/history-extremes.js';
import { SqliteSessionStore } from '../src/store/sqlite-store.js';
import { ensureBuilt, startService } from './support/processes.js';
import { heading, line, timeMedian } from './support/report.js';
import { benchDirectory } from './support/temporary.js';

const BATCH = 20_000;

/** Records `steps` ReduceLROnPlateau steps with a metric and a named metric; answers the session's id. */
async function record(store: SqliteSessionStore, steps: number): Promise<string> {
  const input = sessionInputSchema.parse({
    param_groups: [{ lr: 0.1, momentum: 0.9 }],
    scheduler: { type: 'ReduceLROnPlateau', factor: 0.5, patience: 20 },
  });
  const at = new Date().toISOString();
  const { session } = await createSession(store, OPEN_MODE_CALLER, input, at);
  let schedule = session.schedule;
  for (let done = 0; done < steps; done += BATCH) {
    await store.transaction(async (tx) => {
      for (let step = done; step < Math.min(steps, done + BATCH); step++) {
        const report = { metric: 1 / (1 + (step % 997)) + (step % 7919 === 0 ? 100 : 0), metrics: { grad_norm: step % 13 } };
        const next = advanceSchedule(schedule, report);
        await tx.appendStep({ ...session, step }, next, report, at, null);
        schedule = next;
      }
    });
  }
  return session.id;
}

/** Rebuilds a session's pyramid step by step, as appends do: its share of a step's cost. */
async function pyramidCostPerStep(db: Db, id: string, steps: number): Promise<number> {
  const seq = db.prepare('SELECT seq FROM sessions WHERE id = ?').pluck().get(id) as number;
  const extremes = new HistoryExtremes(db);
  extremes.dropAfter(seq, -1);
  const start = performance.now();
  db.exec('BEGIN');
  for (let step = 0; step <= steps; step++) await closeBlocksEndingAt(extremes, seq, step);
  db.exec('COMMIT');
  return ((performance.now() - start) * 1000) / steps;
}

async function get(url: string): Promise<{ items: unknown[]; next_cursor: string | null }> {
  const answer = await fetch(url);
  if (answer.status !== 200) throw new Error(`${url} answered ${answer.status}: ${await answer.text()}`);
  return (await answer.json()) as { items: unknown[]; next_cursor: string | null };
}

ensureBuilt();
const dir = benchDirectory();
try {
  heading('History: recording through the store, then reading over HTTP');
  const databasePath = join(dir.path, 'history.db');
  const db = openDatabase(databasePath);
  const store = new SqliteSessionStore(db);
  const ids: Record<number, string> = {};
  for (const steps of [100_000, 1_000_000]) {
    const start = performance.now();
    ids[steps] = await record(store, steps);
    const seconds = (performance.now() - start) / 1000;
    line(`record a ${steps}-step session (core + store, ${BATCH} steps a transaction)`, `${seconds.toFixed(1)} s, ${((seconds * 1e6) / steps).toFixed(1)} µs a step`);
  }
  line(
    'of which keeping the pyramid of extremes (amortized, rebuilt over 100000 steps)',
    `${(await pyramidCostPerStep(db, ids[100_000]!, 100_000)).toFixed(2)} µs a step`,
  );
  db.close();

  const service = await startService(databasePath, 'warn');
  try {
    const history = (steps: number, query: string) => `${service.url}/v1/sessions/${ids[steps]}/history?${query}`;
    await timeMedian('read the 100000-step history in pages of 1000 (101 requests)', async () => {
      let cursor: string | null = null;
      let entries = 0;
      do {
        const page = await get(history(100_000, `limit=1000${cursor ? `&cursor=${cursor}` : ''}`));
        entries += page.items.length;
        cursor = page.next_cursor;
      } while (cursor !== null);
      if (entries !== 100_001) throw new Error(`read ${entries} entries`);
    }, 3);
    for (const [steps, query] of [
      [100_000, 'points=500'],
      [100_000, 'points=2000'],
      [100_000, 'points=500&from_step=31337&to_step=64000'],
      [1_000_000, 'points=500'],
      [1_000_000, 'points=2000'],
      [1_000_000, 'points=500&from_step=123456&to_step=654321'],
    ] as const) {
      let answered = 0;
      await timeMedian(`GET …/history?${query} (${steps} steps)`, async () => {
        answered = (await get(history(steps, query))).items.length;
      }, 15);
      line('  entries answered', String(answered));
    }
  } finally {
    await service.stop();
  }
} finally {
  dir.remove();
}
