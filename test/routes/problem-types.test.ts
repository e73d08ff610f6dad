import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROBLEM_TYPES, PROBLEM_TYPE_NAMES, problemTypeUri, type ProblemTypeName } from '../../src/api/problem-types.js';
import { MAX_SESSION_BODY_BYTES } from '../../src/limits.js';
import { startTestService, type Service } from '../support/app.js';

let app: Service;
let close: () => Promise<void>;
beforeAll(async () => ({ app, close } = await startTestService()));
afterAll(async () => close());

interface Request {
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  body?: unknown;
  raw?: { contentType: string; payload: string };
}

async function send({ method, url, body, raw }: Request) {
  const response = await app.inject({
    method,
    url,
    ...(raw ? { headers: { 'content-type': raw.contentType }, payload: raw.payload } : {}),
    ...(body !== undefined ? { payload: body as object } : {}),
  });
  return { status: response.statusCode, contentType: response.headers['content-type'], body: JSON.parse(response.body) };
}

const post = (url: string, body?: unknown): Request => ({ method: 'POST', url, body });
const stepLR = { param_groups: [{ lr: 0.1 }], scheduler: { type: 'StepLR', step_size: 1 } };

async function created(body: object): Promise<string> {
  const answer = await send(post('/v1/sessions', body));
  expect(answer.status).toBe(201);
  return answer.body.id as string;
}

/** Each situation the service can be asked into over HTTP, and the request that provokes it. */
const situations: [ProblemTypeName, () => Promise<Request>][] = [
  ['invalid-request', async () => post('/v1/sessions', { ...stepLR, scheduler: { type: 'StepLR', step_size: 0 } })],
  ['invalid-json', async () => ({ method: 'POST', url: '/v1/sessions', raw: { contentType: 'application/json', payload: '{"a": ' } })],
  ['session-not-found', async () => ({ method: 'GET', url: '/v1/sessions/no-such-session' })],
  ['step-not-found', async () => ({ method: 'GET', url: `/v1/sessions/${await created(stepLR)}/history/1` })],
  ['route-not-found', async () => ({ method: 'GET', url: '/v2/sessions' })],
  // Open mode (no key exists here) may do what an admin may: revoking a key that is not there.
  ['key-not-found', async () => ({ method: 'DELETE', url: '/v1/keys/key_0000000000000000' })],
  [
    'key-conflict',
    async () => {
      await created({ ...stepLR, key: 'conflicting' });
      return post('/v1/sessions', { ...stepLR, key: 'conflicting', scheduler: { type: 'StepLR', step_size: 2 } });
    },
  ],
  ['step-conflict', async () => post(`/v1/sessions/${await created(stepLR)}/step`, { expected_step: 3 })],
  ['rewind-conflict', async () => post(`/v1/sessions/${await created(stepLR)}/rewind`, { to_step: 3 })],
  ['not-a-range-test', async () => ({ method: 'GET', url: `/v1/sessions/${await created(stepLR)}/suggestion` })],
  [
    'not-enough-range-test-points',
    async () => {
      const id = await created({ param_groups: [{ lr: 1e-7 }], scheduler: { type: 'LRRangeTest' } });
      return { method: 'GET', url: `/v1/sessions/${id}/suggestion` };
    },
  ],
  [
    'body-too-large',
    async () => ({ method: 'POST', url: '/v1/sessions', raw: { contentType: 'application/json', payload: `"${'x'.repeat(MAX_SESSION_BODY_BYTES)}"` } }),
  ],
  ['unsupported-media-type', async () => ({ method: 'POST', url: '/v1/sessions', raw: { contentType: 'text/plain', payload: 'lr=0.1' } })],
  [
    'step-refused',
    async () => {
      const id = await created({ param_groups: [{ lr: 0.1, momentum: 0.9 }], scheduler: { type: 'OneCycleLR', max_lr: 0.1, total_steps: 1 } });
      await send(post(`/v1/sessions/${id}/step`));
      return post(`/v1/sessions/${id}/step`);
    },
  ],
  [
    'work-limit-exceeded',
    async () => post('/v1/sessions', { ...stepLR, scheduler: { type: 'LambdaLR', lr_lambda: Array(20).fill('9**20000//9**19999').join('+') } }),
  ],
];

/** Types no request can provoke here, and where they are tested instead. */
const TESTED_ELSEWHERE: Partial<Record<ProblemTypeName, string>> = {
  'too-many-live-connections': 'test/live/events.test.ts, on a server with a small budget of streams and waits',
  'live-connections-exhausted': 'test/live/events.test.ts, on a server with a small budget of streams and waits',
  'internal-error': 'a fault of the service: no request provokes one on purpose',
  'dashboard-not-built': 'test/plugins/ui.test.ts, on a service given a folder without a build',
  'database-unavailable': 'test/routes/health.test.ts, with the database closed under the route',
  'shutting-down': 'test/server/drain-on-close.test.ts, with a request arriving while closing',
  'previews-busy': 'test/previews/preview-pool.test.ts, with more previews than workers and queue',
  'request-timeout': 'test/hostile/attacks.test.ts: Node answers it, on a real socket',
  'headers-too-large': 'test/hostile/attacks.test.ts: Node answers it, on a real socket',
  'malformed-request': 'test/hostile/attacks.test.ts: Node answers it, on a real socket',
  // This app runs open: a key made here would secure it under the other situations.
  unauthorized: 'test/access/keys.test.ts and test/access/matrix.test.ts, on apps with keys',
  forbidden: 'test/access/keys.test.ts and test/access/matrix.test.ts, on apps with keys',
};

describe('problem types over HTTP', () => {
  it.each(situations)('%s: its status, title and URN, as problem+json', async (name, request) => {
    const answer = await send(await request());
    expect(answer.contentType).toContain('application/problem+json');
    expect(answer.status).toBe(PROBLEM_TYPES[name].status);
    expect(answer.body).toMatchObject({ type: problemTypeUri(name), title: PROBLEM_TYPES[name].title, status: answer.status });
    expect(answer.body.detail).toEqual(expect.any(String));
    if (name === 'step-conflict' || name === 'rewind-conflict') expect(answer.body.state).toMatchObject({ step: 0 });
  });

  it('covers every type there is', () => {
    const covered = [...situations.map(([name]) => name), ...Object.keys(TESTED_ELSEWHERE)];
    expect(covered.sort()).toEqual([...PROBLEM_TYPE_NAMES].sort());
  });
});
