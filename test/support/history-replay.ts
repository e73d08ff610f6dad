import { expect } from 'vitest';

/** A body as JSON.parse gives it: the tests read what they assert. */
type Parsed = ReturnType<typeof JSON.parse>;

/** A JSON request to the service, answering status and parsed body (inject() or a real socket). */
export type Request = (method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown) => Promise<{ status: number; body: Parsed }>;

/** A session's whole history, oldest first, page after page. */
export async function wholeHistory(request: Request, id: string): Promise<Parsed[]> {
  const items: Parsed[] = [];
  let cursor: string | null = null;
  do {
    const page = await request('GET', `/v1/sessions/${id}/history?limit=1000${cursor ? `&cursor=${cursor}` : ''}`);
    expect(page.status).toBe(200);
    items.push(...page.body.items);
    cursor = page.body.next_cursor;
  } while (cursor !== null);
  return items;
}

/**
 * Checks that the session's history is exactly what its reports make: steps 0, 1, 2, …
 * without a gap or a repeat, each state the one a preview of the same reports computes.
 * Answers the history.
 */
export async function expectHistoryReplays(request: Request, id: string): Promise<Parsed[]> {
  const session = await request('GET', `/v1/sessions/${id}`);
  expect(session.status).toBe(200);
  const history = await wholeHistory(request, id);
  expect(history.map((entry) => entry.step)).toEqual(history.map((_, k) => k));
  expect(history.at(-1).step).toBe(session.body.state.step);
  const reports = history.slice(1).map((entry) => entry.report);
  const preview = await request('POST', '/v1/preview', {
    param_groups: session.body.param_groups,
    scheduler: session.body.scheduler,
    reports,
  });
  expect(preview.status).toBe(200);
  expect(history.map((entry) => entry.state)).toEqual(preview.body.points);
  return history;
}
