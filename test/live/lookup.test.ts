import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startListeningApp } from '../support/listening-app.js';
import { http } from '../support/server-process.js';

/** Finding a session by key, and one step of its history, over a real listening server. */

let url: string;
let close: () => Promise<void>;
beforeAll(async () => ({ url, close } = await startListeningApp()));
afterAll(async () => close());

const create = async (key?: string) =>
  (
    await http(`${url}/v1/sessions`, 'POST', {
      ...(key === undefined ? {} : { key }),
      param_groups: [{ lr: 0.1 }],
      scheduler: { type: 'StepLR', step_size: 1, gamma: 0.5 },
    })
  ).body;

describe('GET /v1/sessions?key=', () => {
  it('answers exactly the session with that key, or no items', async () => {
    const sessions = [await create('run-a'), await create('run-b'), await create(), await create('run-a/2')];
    const found = await http(`${url}/v1/sessions?key=run-a`, 'GET');
    expect(found).toEqual({ status: 200, body: { items: [sessions[0]], next_cursor: null } });
    expect((await http(`${url}/v1/sessions?key=${encodeURIComponent('run-a/2')}`, 'GET')).body.items).toEqual([sessions[3]]);
    expect((await http(`${url}/v1/sessions?key=run-c`, 'GET')).body).toEqual({ items: [], next_cursor: null });
    // Without a key, the listing is unchanged: every session, newest first.
    expect((await http(`${url}/v1/sessions`, 'GET')).body.items.map((s: { id: string }) => s.id)).toEqual(
      sessions.map((s) => s.id).reverse(),
    );
  });

  it('shows the session as it is now', async () => {
    const session = await create('stepped');
    await http(`${url}/v1/sessions/${session.id}/step`, 'POST', {});
    expect((await http(`${url}/v1/sessions?key=stepped`, 'GET')).body.items[0].state).toMatchObject({ step: 1, lrs: [0.05] });
  });

  it('refuses unknown query parameters, an empty key and a cursor with a key, naming them', async () => {
    for (const [query, path] of [
      ['kee=run-a', 'kee'],
      ['key=', 'key'],
      ['key=run-a&cursor=abc', 'cursor'],
    ]) {
      const answer = await http(`${url}/v1/sessions?${query}`, 'GET');
      expect(answer.status, query).toBe(400);
      expect(answer.body.errors.map((e: { path: string }) => e.path)).toEqual([path]);
    }
  });
});

describe('GET /v1/sessions/{id}/history/{step}', () => {
  it('answers one step of the history, the same entry the listing holds', async () => {
    const { id } = await create();
    await http(`${url}/v1/sessions/${id}/step`, 'POST', { metric: 2 });
    await http(`${url}/v1/sessions/${id}/step`, 'POST', {});
    const listing = (await http(`${url}/v1/sessions/${id}/history`, 'GET')).body.items;
    for (const step of [0, 1, 2]) {
      expect(await http(`${url}/v1/sessions/${id}/history/${step}`, 'GET')).toEqual({ status: 200, body: listing[step] });
    }
    const beyond = await http(`${url}/v1/sessions/${id}/history/3`, 'GET');
    expect(beyond).toMatchObject({
      status: 404,
      body: { type: 'urn:lrsched:problem:step-not-found', detail: `session '${id}' has no step 3: it is at step 2` },
    });
    await http(`${url}/v1/sessions/${id}/rewind`, 'POST', { to_step: 1 });
    expect((await http(`${url}/v1/sessions/${id}/history/2`, 'GET')).body.type).toBe('urn:lrsched:problem:step-not-found');
    expect((await http(`${url}/v1/sessions/${id}/history/x`, 'GET')).status).toBe(400);
    expect(await http(`${url}/v1/sessions/nope/history/0`, 'GET')).toMatchObject({
      status: 404,
      body: { type: 'urn:lrsched:problem:session-not-found' },
    });
  });
});
