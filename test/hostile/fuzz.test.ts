import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  HEALTH_BOUND_MS,
  latencyBoundMs,
  startObservedServer,
  type ComparedReport,
  type ObservedServer,
} from '../support/observed-server.js';
import { storedRows } from '../support/stored-rows.js';

/**
 * Random requests (fast-check, fixed seed, bounded sizes) to every route of the real server
 * process: any method on any path, with random query strings, ids, content types and
 * bodies, some well-formed and many not. Every answer must be below 500, every refusal a
 * problem document, a refused request must leave the database as it was, and throughout
 * /healthz must answer within 100 ms (beyond what a busy machine adds, see latencyBoundMs)
 * and the server's memory stay under a bound.
 */

/** The event loop's heap and SQLite's cache; fuzzed previews are small (bounded sizes below). */
const RSS_BOUND_MIB = 768;

let observed: ObservedServer;
let health: { stop(): Promise<ComparedReport> };
const ids: string[] = [];

/** Sessions the fuzzer's paths can name: a plain one, one that needs metrics, a range test. */
const KNOWN = [
  { type: 'StepLR', step_size: 2 },
  { type: 'ReduceLROnPlateau', patience: 1 },
  { type: 'LRRangeTest', num_iter: 30 },
];

async function createKnown(i: number): Promise<string> {
  const created = await send('POST', '/v1/sessions', JSON.stringify({ param_groups: [{ lr: 0.01 }], scheduler: KNOWN[i] }), 'application/json');
  return JSON.parse(created.text).id as string;
}

async function send(method: string, path: string, body?: string, contentType?: string) {
  const response = await fetch(`${observed.url}${path}`, {
    method,
    ...(body === undefined ? {} : { body }),
    headers: contentType === undefined ? {} : { 'content-type': contentType },
  });
  return { status: response.status, type: response.headers.get('content-type') ?? '', text: await response.text() };
}

beforeAll(async () => {
  observed = await startObservedServer();
  for (let i = 0; i < KNOWN.length; i++) ids.push(await createKnown(i));
  health = observed.probe();
});

afterAll(() => observed?.stop());

const scalar = fc.oneof(
  fc.double({ noNaN: false }),
  fc.integer({ min: -5, max: 1000 }),
  fc.string({ maxLength: 20 }),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom('NaN', 'Infinity', '-Infinity'),
);
const anyJson = fc.jsonValue({ maxDepth: 4 });
const lambda = fc.oneof(
  fc.constantFrom('0.95 ** epoch', 'min(1, (epoch + 1) / 5)', '9**999//9**998', 'epoch //', 'exp(epoch) if epoch < 5 else 1', '(epoch+9)**20000'),
  fc.string({ maxLength: 40 }),
);
const leaf = fc.record(
  {
    type: fc.constantFrom('StepLR', 'MultiStepLR', 'ExponentialLR', 'LambdaLR', 'CyclicLR', 'OneCycleLR', 'ReduceLROnPlateau', 'LRRangeTest', 'Nope'),
    step_size: scalar,
    gamma: scalar,
    milestones: fc.array(fc.integer({ min: -1, max: 50 }), { maxLength: 5 }),
    lr_lambda: fc.oneof(lambda, fc.array(lambda, { maxLength: 3 })),
    scale_fn: lambda,
    base_lr: scalar,
    max_lr: scalar,
    total_steps: fc.integer({ min: -1, max: 200 }),
    num_iter: fc.integer({ min: -1, max: 200 }),
  },
  { requiredKeys: ['type'] },
);
/** Configs that are valid or nearly so, so that requests get past validation to the work. */
const plausible = fc.oneof(
  fc.record({ type: fc.constant('StepLR'), step_size: fc.integer({ min: 1, max: 10 }), gamma: fc.double({ min: 0.1, max: 1, noNaN: true }) }),
  fc.record({ type: fc.constant('ExponentialLR'), gamma: fc.double({ min: 0.5, max: 1, noNaN: true }) }),
  fc.record({ type: fc.constant('LambdaLR'), lr_lambda: fc.constantFrom('0.95 ** epoch', '1 / (epoch - 3)', 'min(1, (epoch + 1) / 5)', '9**999//9**998') }),
  fc.record({ type: fc.constant('OneCycleLR'), max_lr: fc.double({ min: 0.01, max: 1, noNaN: true }), total_steps: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ type: fc.constant('MultiStepLR'), milestones: fc.array(fc.nat(30), { maxLength: 4 }) }),
  fc.record({ type: fc.constant('ReduceLROnPlateau'), patience: fc.nat(3) }),
);
const scheduler = fc.oneof(
  { arbitrary: plausible, weight: 5 },
  { arbitrary: leaf, weight: 1 },
  {
    arbitrary: fc.record({
      type: fc.constantFrom('SequentialLR', 'ChainedScheduler'),
      schedulers: fc.array(fc.oneof(plausible, leaf), { maxLength: 3 }),
      milestones: fc.array(fc.nat(20), { maxLength: 2 }),
    }),
    weight: 1,
  },
  { arbitrary: anyJson, weight: 1 },
);
const groups = fc.oneof(
  { arbitrary: fc.array(fc.record({ lr: fc.double({ min: 0, max: 1, noNaN: true }) }), { minLength: 1, maxLength: 4 }), weight: 5 },
  { arbitrary: fc.array(fc.record({ lr: scalar, momentum: scalar, betas: fc.array(scalar, { maxLength: 2 }) }, { requiredKeys: ['lr'] }), { maxLength: 4 }), weight: 1 },
  { arbitrary: anyJson, weight: 1 },
);
const report = fc.record(
  { metric: scalar, metrics: fc.dictionary(fc.string({ maxLength: 12 }), scalar, { maxKeys: 4 }), epoch: scalar, expected_step: scalar },
  { requiredKeys: [] },
);
const json = <T>(arbitrary: fc.Arbitrary<T>) => arbitrary.map((value) => JSON.stringify(value));
const sessionBody = json(
  fc.oneof(
    fc.record(
      {
        param_groups: groups,
        scheduler,
        key: fc.oneof({ arbitrary: fc.string({ minLength: 1, maxLength: 10 }), weight: 3 }, { arbitrary: scalar, weight: 1 }),
        metadata: fc.oneof(
          { arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), anyJson, { maxKeys: 3 }), weight: 3 },
          { arbitrary: anyJson, weight: 1 },
        ),
      },
      { requiredKeys: ['param_groups', 'scheduler'] },
    ),
    fc.record({ param_groups: groups, scheduler, state_dict: anyJson }, { requiredKeys: [] }),
  ),
);
const previewBody = json(
  fc.oneof(
    fc.record({ param_groups: groups, scheduler, steps: fc.integer({ min: -2, max: 300 }) }, { requiredKeys: ['param_groups', 'scheduler'] }),
    fc.record({ param_groups: groups, scheduler, reports: fc.array(report, { maxLength: 20 }) }, { requiredKeys: [] }),
  ),
);
const stepBody = json(report);
const rewindBody = json(fc.record({ to_step: fc.oneof(fc.nat(5), scalar) }, { requiredKeys: [] }));
/** Bodies just past the 64 KiB of a step or a rewind (bounded: this is not the size attack). */
const oversized = fc.integer({ min: 70_000, max: 90_000 }).map((n) => JSON.stringify({ metrics: { padding: 'x'.repeat(n) } }));
const anyBody = fc.oneof(sessionBody, previewBody, stepBody, rewindBody, json(anyJson), fc.string({ maxLength: 60 }), fc.constant(''), oversized);
/** A route's own kind of body mostly, anything sometimes. */
const bodyFor = (own: fc.Arbitrary<string>) => fc.oneof({ arbitrary: own, weight: 4 }, { arbitrary: anyBody, weight: 1 });

const id = fc.oneof(
  { arbitrary: fc.nat(2).map((i) => ids[i] as string), weight: 4 },
  { arbitrary: fc.string({ maxLength: 40 }).map(encodeURIComponent), weight: 1 },
);
const query = fc.oneof(
  fc.constant(''),
  fc
    .dictionary(fc.constantFrom('limit', 'cursor', 'points', 'key', 'x'), fc.oneof(fc.string({ maxLength: 12 }), fc.integer({ min: -3, max: 2000 }).map(String)), { maxKeys: 3 })
    .map((q) => `?${new URLSearchParams(q).toString()}`),
);
// Without a content type fetch sends text/plain: both are a 415 here.
const contentType = fc.oneof(
  { arbitrary: fc.constant('application/json'), weight: 8 },
  { arbitrary: fc.constantFrom('text/plain', undefined), weight: 1 },
);
const onSession = (method: string, tail: string, body?: fc.Arbitrary<string>) =>
  fc.record({
    method: fc.constant(method),
    path: id.map((i) => `/v1/sessions/${i}${tail}`),
    body: body ? bodyFor(body) : fc.constant(undefined),
  });
const fixed = (method: string, path: string, body?: fc.Arbitrary<string>) =>
  fc.record({ method: fc.constant(method), path: fc.constant(path), body: body ? bodyFor(body) : fc.constant(undefined) });
/** Every route with its method, and now and then any method on any path with any body. */
const route = fc.oneof(
  fixed('POST', '/v1/sessions', sessionBody),
  fixed('POST', '/v1/sessions', sessionBody),
  fixed('POST', '/v1/sessions', sessionBody),
  fixed('GET', '/v1/sessions'),
  onSession('GET', ''),
  onSession('DELETE', ''),
  onSession('GET', '/state_dict'),
  onSession('POST', '/step', stepBody),
  onSession('POST', '/step', stepBody),
  onSession('POST', '/rewind', rewindBody),
  onSession('GET', '/history'),
  onSession('GET', '/suggestion'),
  fixed('POST', '/v1/preview', previewBody),
  fixed('POST', '/v1/preview', previewBody),
  fixed('POST', '/v1/preview', previewBody),
  fc.record({ method: fc.constant('GET'), path: fc.constantFrom('/healthz', '/openapi.json', '/docs'), body: fc.constant(undefined) }),
  fc.record({
    method: fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'PATCH'),
    path: fc.oneof(fc.constantFrom('/nothing', '/v1/sessions/', '/v1'), id.map((i) => `/v1/sessions/${i}/nope`)),
    body: anyBody,
  }),
);
const request = fc.record({ route, query, contentType });

describe('random requests to every route of the server process', () => {
  it('never answer 5xx, always refuse with a problem document, and store nothing they refuse', async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async ({ route: { method, path, body }, query, contentType }) => {
        const before = storedRows(observed.databasePath);
        // fetch sends no body with GET (a server must not rely on one there anyway).
        const sent = method === 'GET' ? undefined : body;
        const answer = await send(method, path + query, sent, sent === undefined ? undefined : contentType);
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        expect(answer.status, `${method} ${path}${query} ${body}: ${answer.text}`).toBeLessThan(500);
        if (answer.status < 400) return;
        expect(answer.type, `${method} ${path}${query}`).toContain('application/problem+json');
        expect(JSON.parse(answer.text)).toMatchObject({ status: answer.status, type: expect.stringContaining('urn:lrsched:problem:') });
        const after = storedRows(observed.databasePath);
        expect({ sessions: after.sessions, history: after.history }).toEqual({ sessions: before.sessions, history: before.history });
      }).afterEach(async () => {
        // A deleted known session comes back (as a new one), so later paths still reach sessions.
        for (let i = 0; i < ids.length; i++) {
          if ((await send('GET', `/v1/sessions/${ids[i]}`)).status === 404) ids[i] = await createKnown(i);
        }
      }),
      { numRuns: 400, seed: 9_2026, endOnFailure: true },
    );
    console.log('fuzz: answers by status', Object.fromEntries([...statuses].sort(([a], [b]) => a - b)));
    // The generators reach past validation: successes, and each kind of refusal.
    for (const status of [200, 201, 400, 404, 413, 415, 422]) expect(statuses.get(status), `status ${status}`).toBeGreaterThan(0);
  });

  it(`kept /healthz within ${HEALTH_BOUND_MS} ms and the server under ${RSS_BOUND_MIB} MiB throughout`, async () => {
    const report = await health.stop();
    const { rssMiB } = observed.peak();
    console.log(
      `fuzz: /healthz worst ${report.worstMs.toFixed(1)} ms over ${report.requests} checks ` +
        `(control ${report.controlMs.toFixed(1)} ms); peak RSS ${rssMiB.toFixed(0)} MiB`,
    );
    expect(report.failures).toEqual([]);
    expect(report.requests).toBeGreaterThan(50);
    expect(report.worstMs).toBeLessThan(latencyBoundMs(report));
    expect(rssMiB).toBeLessThan(RSS_BOUND_MIB);
  });
});
