import { OPEN_MODE_CALLER } from '../../src/access/caller.js';
import { sessionInputSchema, type StepInput } from '../../src/api/sessions.js';
import { createSession } from '../../src/sessions/create-session.js';
import { InProcessSessionChanges } from '../../src/sessions/session-changes.js';
import { stepSession } from '../../src/sessions/step-session.js';
import { AuditLog } from '../../src/store/audit-log.js';
import { openDatabase } from '../../src/store/database.js';
import { SessionStore } from '../../src/store/session-store.js';
import { seededUniform } from './random.js';

/** Steps recorded per transaction: one fsync per batch instead of one per step. */
const BATCH = 5_000;

/**
 * Creates a session and records `steps` steps through the use cases, as the step route
 * would, many steps to a transaction: a long history in seconds instead of minutes.
 */
export function recordSession(
  store: SessionStore,
  body: unknown,
  steps: number,
  report: (step: number) => StepInput,
): string {
  const { session } = createSession(store, OPEN_MODE_CALLER, sessionInputSchema.parse(body), new Date().toISOString());
  // Nobody watches these sessions; the step use case tells a hub all the same.
  const unwatched = new InProcessSessionChanges();
  for (let done = 0; done < steps; done += BATCH) {
    store.transaction(() => {
      for (let step = done; step < Math.min(steps, done + BATCH); step++) {
        stepSession(store, unwatched, OPEN_MODE_CALLER, session.id, { ...report(step), expected_step: step }, new Date().toISOString());
      }
    });
  }
  return session.id;
}

/** recordSession into a database file, through a connection of its own closed before it returns. */
export function recordSessionInFile(
  databasePath: string,
  body: unknown,
  steps: number,
  report: (step: number) => StepInput,
): string {
  const db = openDatabase(databasePath);
  try {
    return recordSession(new SessionStore(db, new AuditLog(db)), body, steps, report);
  } finally {
    db.close();
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
