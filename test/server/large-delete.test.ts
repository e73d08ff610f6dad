import Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/app.js';
import { writeLargeSession } from '../support/large-session.js';
import { startListeningApp } from '../support/listening-app.js';

/**
 * Deleting a session of 200 groups × 3000 steps (about 50 MB of history) on a listening
 * server: the delete answers at once, other requests keep being answered while its history
 * goes, and the file gives the space back.
 *
 * A liveness bound, not a benchmark. Sweeping holds the event loop about 10 ms at a time
 * (SWEEP_CHUNK_MS), but a chunk whose commit checkpoints the WAL also waits for the disk's
 * fsync, seen at over 100 ms on a machine shared with other test runs: the bound leaves room
 * for that, while a delete done in one go would answer nothing until it had finished.
 */

const LIVENESS_BOUND_MS = 250;

let url: string;
let databasePath: string;
let close: () => Promise<void>;
let remove: () => void;
let id: string;
beforeAll(async () => {
  const temp = tempDir();
  remove = temp.remove;
  databasePath = join(temp.dir, 'lrsched.db');
  id = await writeLargeSession(databasePath, 200, 3000);
  ({ url, close } = await startListeningApp({ database: { kind: 'sqlite', path: databasePath } }));
});
afterAll(async () => {
  await close();
  remove();
});

/**
 * What the file holds, read through a connection of the test's own; only what takes no
 * time to read (the server shares this process's event loop), unless `history` is asked for.
 */
function database(history = false): { bytes: number; free: number; deletedRows: number; history?: number } {
  const db = new Database(databasePath, { readonly: true });
  try {
    const pragma = (name: string) => db.pragma(name, { simple: true }) as number;
    return {
      bytes: pragma('page_count') * pragma('page_size'),
      free: pragma('freelist_count'),
      // The deleted session's row goes last, once its history is gone.
      deletedRows: db.prepare('SELECT count(*) FROM sessions WHERE id = ?').pluck().get(id) as number,
      ...(history ? { history: db.prepare('SELECT count(*) FROM history').pluck().get() as number } : {}),
    };
  } finally {
    db.close();
  }
}

async function json(method: string, path: string, body?: unknown) {
  const response = await fetch(`${url}${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

describe('deleting a large session', () => {
  it(`answers other requests within ${LIVENESS_BOUND_MS} ms meanwhile, and gives the space back`, async () => {
    const other = await json('POST', '/v1/sessions', { param_groups: [{ lr: 0.1 }], scheduler: { type: 'StepLR', step_size: 10 } });
    const before = database(true);
    expect(before.history).toBe(3001 + 1);
    expect(before.bytes).toBeGreaterThan(40e6);

    // Requests one after another, each timed, for as long as the history is being swept.
    // Reads: a write's time would be the disk's fsync, which is not what is measured here.
    const answered: { at: number; ms: number }[] = [];
    let sweeping = true;
    const probing = (async () => {
      while (sweeping) {
        for (const path of ['/healthz', `/v1/sessions/${other.body!.id as string}`]) {
          const started = performance.now();
          expect((await json('GET', path)).status).toBe(200);
          answered.push({ at: performance.now(), ms: performance.now() - started });
        }
      }
    })();

    const started = performance.now();
    expect((await json('DELETE', `/v1/sessions/${id}`)).status).toBe(204);
    const deleted = performance.now();
    expect(deleted - started).toBeLessThan(LIVENESS_BOUND_MS);
    expect((await json('GET', `/v1/sessions/${id}`)).status).toBe(404);
    expect((await json('GET', `/v1/sessions/${id}/history`)).status).toBe(404);

    let after = database();
    while (after.deletedRows > 0 || after.free > 0) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      after = database();
    }
    const swept = performance.now();
    sweeping = false;
    await probing;

    // Deleted in one go, the history would be gone before the 204: nothing answered in between.
    const duringSweep = answered.filter(({ at }) => at > deleted && at < swept);
    expect(duringSweep.length, `${duringSweep.length} answers in the ${Math.round(swept - deleted)} ms of sweeping`).toBeGreaterThanOrEqual(10);
    expect(Math.max(...answered.map(({ ms }) => ms))).toBeLessThan(LIVENESS_BOUND_MS);

    expect(database(true).history).toBe(1); // the other session's creation
    expect(after.bytes).toBeLessThan(before.bytes / 20);
    await close();
    expect(statSync(databasePath).size).toBeLessThan(before.bytes / 20);
    close = async () => {};
  });
});
