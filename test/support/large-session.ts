import { sessionInputSchema } from '../../src/api/sessions.js';
import { advanceSchedule } from '../../src/schedulers/schedule.js';
import { createSession } from '../../src/sessions/create-session.js';
import { openDatabase } from '../../src/store/database.js';
import { SqliteSessionStore } from '../../src/store/sqlite-store.js';

/**
 * Writes a session of `groups` param groups stepped `steps` times into the database file:
 * created by the use case the route calls, then stepped through the store in one
 * transaction, since over HTTP each of thousands of steps would wait for its own fsync.
 */
export async function writeLargeSession(databasePath: string, groups: number, steps: number): Promise<string> {
  const store = new SqliteSessionStore(openDatabase(databasePath));
  try {
    const now = new Date().toISOString();
    const input = sessionInputSchema.parse({
      param_groups: Array.from({ length: groups }, (_, i) => ({ lr: 0.1 + i / 1000 })),
      scheduler: { type: 'ExponentialLR', gamma: 0.999 },
    });
    let { session } = await createSession(store, input, now);
    await store.transaction(async (tx) => {
      for (let i = 0; i < steps; i++) {
        const report = { metric: 1 / (i + 1), metrics: { accuracy: i / steps } };
        const schedule = advanceSchedule(session.schedule, { metric: report.metric });
        await tx.appendStep(session, schedule, report, now);
        session = { ...session, step: session.step + 1, schedule };
      }
    });
    return session.id;
  } finally {
    await store.close();
  }
}
