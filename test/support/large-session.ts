import { OPEN_MODE_CALLER } from '../../src/access/caller.js';
import { sessionInputSchema } from '../../src/api/sessions.js';
import { createSession } from '../../src/sessions/create-session.js';
import { InProcessSessionChanges } from '../../src/sessions/session-changes.js';
import { stepSession } from '../../src/sessions/step-session.js';
import { openDatabase } from '../../src/store/database.js';
import { AuditLog } from '../../src/store/audit-log.js';
import { SessionStore } from '../../src/store/session-store.js';

/**
 * Writes a session of `groups` param groups stepped `steps` times into the database file,
 * through the same use cases the routes call, but in one transaction: over HTTP, each of
 * thousands of steps would wait for its own fsync.
 */
export function writeLargeSession(databasePath: string, groups: number, steps: number): string {
  const db = openDatabase(databasePath);
  try {
    const store = new SessionStore(db, new AuditLog(db));
    const now = new Date().toISOString();
    const input = sessionInputSchema.parse({
      param_groups: Array.from({ length: groups }, (_, i) => ({ lr: 0.1 + i / 1000 })),
      scheduler: { type: 'ExponentialLR', gamma: 0.999 },
    });
    const { session } = createSession(store, OPEN_MODE_CALLER, input, now);
    const unwatched = new InProcessSessionChanges();
    store.transaction(() => {
      for (let i = 0; i < steps; i++) {
        stepSession(store, unwatched, OPEN_MODE_CALLER, session.id, { metric: 1 / (i + 1), metrics: { accuracy: i / steps } }, now);
      }
    });
    return session.id;
  } finally {
    db.close();
  }
}
