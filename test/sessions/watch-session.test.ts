import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OPEN_MODE_CALLER } from '../../src/access/caller.js';
import { sessionInputSchema } from '../../src/api/sessions.js';
import { LiveConnections } from '../../src/live/connections.js';
import { createSession } from '../../src/sessions/create-session.js';
import { deleteSession } from '../../src/sessions/delete-session.js';
import { rewindSession } from '../../src/sessions/rewind-session.js';
import { InProcessSessionChanges } from '../../src/sessions/session-changes.js';
import { stepSession } from '../../src/sessions/step-session.js';
import { watchSession, type WatchedEvent } from '../../src/sessions/watch-session.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { SqliteSessionStore } from '../../src/store/sqlite-store.js';
import { temporaryDatabases } from '../support/app.js';

/**
 * The watch driven event by event against a real SQLite store and the real use cases,
 * so changes can land exactly while an event is being sent (between two next() calls).
 */

const NOW = '2026-01-01T00:00:00.000Z';
const databaseFile = temporaryDatabases();
let db: Db;
let store: SqliteSessionStore;
let changes: InProcessSessionChanges;
let connections: LiveConnections;

beforeEach(async () => {
  db = openDatabase(databaseFile());
  store = new SqliteSessionStore(db);
  changes = new InProcessSessionChanges();
  await store.listen({ committed: (change) => changes.publish(change), missedSome: () => {} });
  connections = new LiveConnections({ perClient: 10, total: 10 });
});
afterEach(async () => store.close());

async function newSession(): Promise<string> {
  const input = sessionInputSchema.parse({ param_groups: [{ lr: 1 }], scheduler: { type: 'ExponentialLR', gamma: 0.5 } });
  return (await createSession(store, OPEN_MODE_CALLER, input, NOW)).session.id;
}
const step = (id: string, metric: number) => stepSession(store, OPEN_MODE_CALLER, id, { metric }, NOW);
const rewind = (id: string, to: number) => rewindSession(store, OPEN_MODE_CALLER, id, to, NOW);
const openWatch = (id: string, afterStep: number | undefined) =>
  watchSession(store, changes, OPEN_MODE_CALLER, id, afterStep, () => connections.hold('client'));

/** The next event, or 'quiet' when the watch has nothing to send (it would wait for a change). */
async function next(events: AsyncIterator<WatchedEvent>): Promise<string> {
  const quiet = new Promise<string>((resolve) => setTimeout(() => resolve('quiet'), 50));
  const event = events.next().then(({ value, done }) => (done ? 'done' : `${value.kind} ${value.step} ${value.report?.metric ?? '-'}`));
  return Promise.race([event, quiet]);
}

describe('watchSession', () => {
  it('sends each step once when a rewind and new steps land while it is sending an earlier rewind', async () => {
    const id = await newSession();
    for (let k = 1; k <= 10; k++) await step(id, k);
    const watch = await openWatch(id, 10);
    const events = watch.events[Symbol.asyncIterator]();
    await rewind(id, 5);
    const first = events.next();
    expect(await first).toMatchObject({ value: { kind: 'rewind', step: 5 } });
    // While rewind 5 is being sent: a step, a rewind to it, another step.
    await step(id, 61);
    await rewind(id, 6);
    await step(id, 72);
    expect([await next(events), await next(events), await next(events)]).toEqual(['step 6 61', 'step 7 72', 'quiet']);
    watch.close();
  });

  it('tells of a rewind to the step the watcher is at, which cuts nothing', async () => {
    const id = await newSession();
    await step(id, 1);
    const watch = await openWatch(id, undefined);
    const events = watch.events[Symbol.asyncIterator]();
    await rewind(id, 1);
    expect(await next(events)).toBe('rewind 1 -');
    watch.close();
  });

  it('ends its events, unsubscribes and frees its slot when closed', async () => {
    const id = await newSession();
    const watch = await openWatch(id, undefined);
    const events = watch.events[Symbol.asyncIterator]();
    const waiting = next(events);
    expect(connections.size).toBe(1);
    expect(changes.watchedSessions).toBe(1);
    watch.close();
    expect(await waiting).toBe('done');
    expect(connections.size).toBe(0);
    expect(changes.watchedSessions).toBe(0);
  });

  it('sends the deletion and ends; an unknown session is a 404 that holds nothing', async () => {
    const id = await newSession();
    await step(id, 1);
    const watch = await openWatch(id, 0);
    const events = watch.events[Symbol.asyncIterator]();
    await deleteSession(store, OPEN_MODE_CALLER, id, NOW);
    // Deleted before the watch read its history: the history is gone, so the deletion is all there is to say.
    expect([await next(events), await next(events)]).toEqual(['deleted 1 -', 'done']);
    watch.close();
    await expect(openWatch(id, undefined)).rejects.toThrow(/no session with id/);
    expect(connections.size).toBe(0);
    expect(changes.watchedSessions).toBe(0);
  });

  it('ends when the server closes its connections', async () => {
    const watch = await openWatch(await newSession(), undefined);
    const events = watch.events[Symbol.asyncIterator]();
    const waiting = next(events);
    connections.closeAll();
    expect(await waiting).toBe('done');
    const another = await newSession();
    await expect(openWatch(another, undefined)).rejects.toThrow(/shutting down/);
  });
});
