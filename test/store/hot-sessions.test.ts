import fc from 'fast-check';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { schedulerConfig } from '../../src/schedulers/registry.js';
import { advanceSchedule, startSchedule } from '../../src/schedulers/schedule.js';
import { openDatabase } from '../../src/store/database.js';
import { decode, encode, readsBackAsItself } from '../../src/store/rows.js';
import type { SessionStore, StoredSession } from '../../src/store/session-store.js';
import { MAX_HOT_SESSIONS, SqliteSessionStore } from '../../src/store/sqlite-store.js';
import { tempDir } from '../support/app.js';

/**
 * The SQLite store keeps sessions parsed between requests (src/store/hot-sessions.ts). What
 * it answers must always be what a store reading the file afresh answers: after steps,
 * rewinds, deletes, a unit rolled back, and writes through another connection.
 */

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function storesOnOneFile() {
  const { dir, remove } = tempDir();
  const path = join(dir, 'lrsched.db');
  cleanups.push(remove);
  const open = () => {
    const store = new SqliteSessionStore(openDatabase(path));
    cleanups.push(() => store.close());
    return store;
  };
  return { store: open(), open };
}

const AT = '2026-01-01T00:00:00.000Z';
// Its lrs go through -0, which JSON does not bring back (it reads back as 0).
const config = schedulerConfig.parse({ type: 'LambdaLR', lr_lambda: '-0.0 if epoch % 2 else 1 / (epoch + 1)' });

async function create(store: SessionStore, id: string): Promise<void> {
  const schedule = startSchedule(config, [{ lr: 0.5 }]);
  await store.transaction((tx) =>
    tx.insert({ id, project: 'default', key: null, name: null, metadata: {}, param_groups: [{ lr: 0.5 }], requested_with_references: null, schedule, at: AT, actor: null }),
  );
}

/** One step of the session, as the step use case takes it. */
function step(store: SessionStore, id: string, metric: number): Promise<StoredSession> {
  return store.transaction(async (tx) => {
    const session = (await tx.holdById(id, null)) as StoredSession;
    await tx.appendStep(session, advanceSchedule(session.schedule, { metric }), { metric }, AT, null);
    return (await tx.findById(id, null)) as StoredSession;
  });
}

const find = (store: SessionStore, id: string, project: string | null = null) =>
  store.snapshot((reads) => reads.findById(id, project));

describe('hot sessions in the SQLite store', () => {
  it('answer what a store reading the file afresh answers, step after step (-0 and all)', async () => {
    const { store, open } = storesOnOneFile();
    await create(store, 's');
    for (let k = 0; k < 5; k++) {
      const stepped = await step(store, 's', k);
      expect(stepped).toEqual(await find(open(), 's'));
    }
    const lrs = ((await find(store, 's'))!.schedule.groups as { lr: number }[]).map((group) => group.lr);
    expect(Object.is(lrs[0], 0)).toBe(true); // -0 written as 0: the cache says so too
  });

  it('forget what a unit rolled back, and follow rewinds and deletes', async () => {
    const { store, open } = storesOnOneFile();
    await create(store, 's');
    await step(store, 's', 1);
    const before = await find(store, 's');
    await expect(
      store.transaction(async (tx) => {
        const session = (await tx.holdById('s', null)) as StoredSession;
        await tx.appendStep(session, advanceSchedule(session.schedule, {}), {}, AT, null);
        throw new Error('refused after writing');
      }),
    ).rejects.toThrow('refused after writing');
    expect(await find(store, 's')).toEqual(before);

    await step(store, 's', 2);
    await store.transaction(async (tx) => {
      const session = (await tx.holdById('s', null)) as StoredSession;
      await tx.rewindTo(session, (await tx.historyAt(session, 1))!, AT);
    });
    expect(await find(store, 's')).toEqual(await find(open(), 's'));
    expect((await find(store, 's'))!.step).toBe(1);

    await store.transaction((tx) => tx.markDeleted('s', AT));
    expect(await find(store, 's')).toBeUndefined();
  });

  it("find a kept session in its own project only, as its row is found", async () => {
    const { store, open } = storesOnOneFile();
    await create(store, 's');
    await step(store, 's', 1);
    const fresh = open();
    for (const project of ['default', 'vision', null]) {
      expect(await find(store, 's', project)).toEqual(await find(fresh, 's', project));
    }
    expect(await find(store, 's', 'vision')).toBeUndefined();
    expect((await find(store, 's', 'default'))!.step).toBe(1);
  });

  it('see what another connection wrote to the file', async () => {
    const { store, open } = storesOnOneFile();
    await create(store, 's');
    await step(store, 's', 1);
    expect((await find(store, 's'))!.step).toBe(1);
    const other = open();
    await step(other, 's', 2);
    await step(other, 's', 3);
    expect(await find(store, 's')).toEqual(await find(other, 's'));
    expect((await find(store, 's'))!.step).toBe(3);
  });

  it(`keep at most ${MAX_HOT_SESSIONS}, reading the others from the file`, async () => {
    const { store, open } = storesOnOneFile();
    const ids = Array.from({ length: MAX_HOT_SESSIONS + 5 }, (_, k) => `s${k}`);
    for (const id of ids) await create(store, id);
    for (const id of ids) await step(store, id, 1);
    const fresh = open();
    for (const id of ids) expect(await find(store, id)).toEqual(await find(fresh, id));
  });

  it('keep a computed state as it is only when it reads back as itself (else what the row reads back)', () => {
    const leaf = fc.oneof(
      fc.double(),
      fc.integer(),
      fc.constantFrom(-0, 0, 'NaN', 'Infinity', '-Infinity', 'min', undefined, null, true),
    );
    const key = fc.constantFrom('a', 'b', 'lr', 'best');
    const { tree } = fc.letrec((tie) => ({
      tree: fc.oneof({ depthSize: 'small' }, leaf, tie('array'), tie('object')),
      array: fc.array(tie('tree'), { maxLength: 4 }),
      object: fc.dictionary(key, tie('tree'), { maxKeys: 4 }),
    }));
    const container = fc.oneof(fc.array(tree, { maxLength: 4 }), fc.dictionary(key, tree, { maxKeys: 4 }));
    fc.assert(
      fc.property(container, (value) => {
        expect(readsBackAsItself(value)).toBe(isDeepStrictEqual(decode(encode(value)), value));
      }),
      { numRuns: 2000 },
    );
  });
});
