import { recordSessionInFile } from './recorded-history.js';

/**
 * Writes a session of `groups` param groups stepped `steps` times into the database file,
 * many steps to a transaction (recorded-history.ts): over HTTP, each of thousands of steps
 * would wait for its own fsync.
 */
export function writeLargeSession(databasePath: string, groups: number, steps: number): Promise<string> {
  const session = {
    param_groups: Array.from({ length: groups }, (_, i) => ({ lr: 0.1 + i / 1000 })),
    scheduler: { type: 'ExponentialLR', gamma: 0.999 },
  };
  return recordSessionInFile(databasePath, session, steps, (i) => ({ metric: 1 / (i + 1), metrics: { accuracy: i / steps } }));
}
