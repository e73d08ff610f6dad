import { OPEN_MODE_CALLER } from '../../src/access/caller.js';
import { sessionInputSchema, type StepInput } from '../../src/api/sessions.js';
import { advanceSchedule } from '../../src/schedulers/schedule.js';
import { createSession } from '../../src/sessions/create-session.js';
import { storedReport } from '../../src/sessions/step-session.js';
import { openDatabase } from '../../src/store/database.js';
import type { SessionStore } from '../../src/store/session-store.js';
import { SqliteSessionStore } from '../../src/store/sqlite-store.js';
import { seededUniform } from './random.js';

/** Steps recorded per transaction: one fsync per batch instead of one per step. */
const BATCH = 5_000;

/**
 * Creates a session through the use case, and records `steps` steps through the store as
 * the step use case would (advanced by the core, appended with their reports), many steps
 * to a transaction: a long history in seconds instead of minutes.
 */
export async function recordSession(
  store: SessionStore,
  body: unknown,
  steps: number,
  report: (step: number) => StepInput,
): Promise<string> {
  let { session } = await createSession(store, OPEN_MODE_CALLER, sessionInputSchema.parse(body), new Date().toISOString());
  for (let done = 0; done < steps; done += BATCH) {
    await store.transaction(async (tx) => {
      for (let step = done; step < Math.min(steps, done + BATCH); step++) {
        const reported = storedReport(report(step));
        const schedule = advanceSchedule(session.schedule, {
          ...(reported.metric !== undefined ? { metric: reported.metric } : {}),
          ...(reported.epoch !== undefined ? { epoch: reported.epoch } : {}),
        });
        await tx.appendStep(session, schedule, reported, new Date().toISOString(), OPEN_MODE_CALLER.actor);
        session = { ...session, step: session.step + 1, schedule };
      }
    });
  }
  return session.id;
}

/** recordSession into an SQLite file, through a connection of its own closed before it returns. */
export async function recordSessionInFile(
  databasePath: string,
  body: unknown,
  steps: number,
  report: (step: number) => StepInput,
): Promise<string> {
  const store = new SqliteSessionStore(openDatabase(databasePath));
  try {
    return await recordSession(store, body, steps, report);
  } finally {
    await store.close();
  }
}

/**
 * What a bumpy training run reports: a slowly wandering metric with rare spikes, dips,
 * NaN and infinities, sometimes no metric at all; a grad_norm every step and a val_acc
 * every 97th. Deterministic for a seed.
 */
export function bumpyReports(seed: number): (step: number) => StepInput {
  const uniform = seededUniform(seed);
  return (step) => {
    const u = uniform();
    const metric =
      u < 0.0005 ? Number.NaN
      : u < 0.0007 ? Number.POSITIVE_INFINITY
      : u < 0.0008 ? Number.NEGATIVE_INFINITY
      : u < 0.002 ? 50 * uniform()
      : u < 0.003 ? -10 * uniform()
      : 1 + 0.3 * Math.sin(step / 500) + 0.05 * uniform();
    const metrics: Record<string, number> = { grad_norm: 3 * uniform() };
    if (step % 97 === 0) metrics.val_acc = Math.round(1000 * uniform()) / 1000;
    return u > 0.99 ? { metrics } : { metric, metrics };
  };
}

/** Two groups whose lrs cycle differently (with equal values on both slopes: ties for the extremes). */
export const cyclingSession = {
  param_groups: [
    { lr: 0.1, momentum: 0.9 },
    { lr: 0.01, momentum: 0.9 },
  ],
  scheduler: {
    type: 'CyclicLR',
    base_lr: [0.001, 0.0005],
    max_lr: [0.1, 0.02],
    step_size_up: 2500,
    step_size_down: 1500,
    mode: 'triangular2',
  },
};
