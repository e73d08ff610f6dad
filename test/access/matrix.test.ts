import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenDigest } from '../../src/access/tokens.js';
import { PROBLEM_CONTENT_TYPE } from '../../src/api/problem.js';
import { buildApp } from '../../src/app.js';
import { createLogger } from '../../src/logger.js';
import type { DatabaseOptions } from '../../src/store/open-store.js';
import { callAs, type App, type Method } from '../support/app.js';
import { createTestDatabase, storedText, tableContents, TEST_STORE, type TestDatabase } from '../support/test-database.js';

/**
 * The matrix: every /v1 route × {no token, revoked, read, write, admin} × a target
 * in the caller's own project or another project. Each case gets fresh targets, and the
 * whole database is compared before and after: a refused request changes nothing.
 * The service logs at trace level into memory meanwhile; neither the logs nor the
 * database file may contain any token afterwards.
 */

type Who = 'none' | 'revoked' | 'read' | 'write' | 'admin';
type Where = 'own' | 'other';
const WHO: readonly Who[] = ['none', 'revoked', 'read', 'write', 'admin'];
const WHERE: readonly Where[] = ['own', 'other'];

const ADMIN_TOKEN = `env-admin-${'s3cret'.repeat(8)}`;
const OWN = 'alpha';
const OTHER = 'beta';

let app: App;
let testDatabase: TestDatabase;
let database: DatabaseOptions;
const logLines: string[] = [];
/** Every token handed out during the test, and the admin token. */
const tokens: string[] = [ADMIN_TOKEN];
/** The callers' tokens (keys of project alpha), and a write key per project to make targets with. */
const callers = {} as Record<Exclude<Who, 'none'>, string>;
const makers = {} as Record<Where, string>;

async function ok(method: Method, url: string, token: string, body?: unknown, status = 200) {
  const answer = await callAs(app, token, method, url, body);
  expect(answer.status, `${method} ${url}: ${JSON.stringify(answer.body)}`).toBe(status);
  return answer.body;
}

async function newKey(project: string, role: string): Promise<{ id: string; token: string }> {
  const key = await ok('POST', '/v1/keys', ADMIN_TOKEN, { project, role, name: `${role} of ${project}` }, 201);
  tokens.push(key.token);
  return key;
}

/** An LRRangeTest session in the target's project, with enough batches for a suggestion. */
async function rangeTest(where: Where): Promise<string> {
  const maker = makers[where];
  const created = await ok(
    'POST',
    '/v1/sessions',
    maker,
    { param_groups: [{ lr: 1e-5 }], scheduler: { type: 'LRRangeTest', end_lr: 1, num_iter: 100 } },
    201,
  );
  for (let k = 0; k < 15; k++) {
    await ok('POST', `/v1/sessions/${created.id}/step`, maker, { metric: 3 - 0.1 * k, expected_step: k });
  }
  return created.id as string;
}

let serial = 0;

interface Route {
  readonly method: 'GET' | 'POST' | 'DELETE';
  /** The path as the OpenAPI document names it. */
  readonly path: string;
  /** Makes what the request acts on, in the target's project, and the request itself. */
  readonly prepare: (where: Where) => Promise<{ url: string; body?: unknown }>;
  /** The least role that may call it. */
  readonly role: 'read' | 'write' | 'admin';
  /** What an allowed caller gets; a non-admin's request about another project's session is 404. */
  readonly allowed: (where: Where, who: Who) => number;
  /** Whether an allowed request changes the database. */
  readonly changes: (where: Where, who: Who) => boolean;
  /** An event stream: its answer never ends by itself, so only its first event is read. */
  readonly streams?: boolean;
}

const sessionScoped = (status: number) => (where: Where, who: Who) =>
  where === 'other' && who !== 'admin' ? 404 : status;
const changesIfFound = (where: Where, who: Who) => where === 'own' || who === 'admin';
const never = () => false;
const always = () => true;

const onSession =
  (suffix: string, body?: unknown) =>
  async (where: Where): Promise<{ url: string; body?: unknown }> => ({
    url: `/v1/sessions/${await rangeTest(where)}${suffix}`,
    ...(body === undefined ? {} : { body }),
  });

const stepLr = (stepSize: number) => ({ param_groups: [{ lr: 0.1 }], scheduler: { type: 'StepLR', step_size: stepSize } });

const ROUTES: readonly Route[] = [
  {
    // A restarted job creates again with its key. In its own project it finds its session
    // (200); another project's session with that key (and another schedule) is invisible:
    // a new session (201), never a 409 that would betray it.
    method: 'POST',
    path: '/v1/sessions',
    prepare: async (where) => {
      const key = `run-${(serial += 1)}`;
      await ok('POST', '/v1/sessions', makers[where], { key, ...stepLr(where === 'own' ? 10 : 20) }, 201);
      return { url: '/v1/sessions', body: { key, ...stepLr(10) } };
    },
    role: 'write',
    allowed: (where) => (where === 'own' ? 200 : 201),
    changes: (where) => where === 'other',
  },
  {
    method: 'GET',
    path: '/v1/sessions',
    prepare: async (where) => {
      await rangeTest(where);
      return { url: '/v1/sessions?limit=500' };
    },
    role: 'read',
    allowed: () => 200,
    changes: never,
  },
  { method: 'GET', path: '/v1/sessions/{id}', prepare: onSession(''), role: 'read', allowed: sessionScoped(200), changes: never },
  {
    method: 'DELETE',
    path: '/v1/sessions/{id}',
    prepare: onSession(''),
    role: 'write',
    allowed: sessionScoped(204),
    changes: changesIfFound,
  },
  {
    method: 'POST',
    path: '/v1/sessions/{id}/step',
    prepare: onSession('/step', { metric: 1.5, expected_step: 15 }),
    role: 'write',
    allowed: sessionScoped(200),
    changes: changesIfFound,
  },
  {
    method: 'POST',
    path: '/v1/sessions/{id}/rewind',
    prepare: onSession('/rewind', { to_step: 3 }),
    role: 'write',
    allowed: sessionScoped(200),
    changes: changesIfFound,
  },
  {
    method: 'GET',
    path: '/v1/sessions/{id}/history',
    prepare: onSession('/history'),
    role: 'read',
    allowed: sessionScoped(200),
    changes: never,
  },
  {
    method: 'GET',
    path: '/v1/sessions/{id}/history/{step}',
    prepare: onSession('/history/3'),
    role: 'read',
    allowed: sessionScoped(200),
    changes: never,
  },
  {
    // The range test has reached min_step: the wait answers at once.
    method: 'GET',
    path: '/v1/sessions/{id}/state',
    prepare: onSession('/state?min_step=15&wait=5'),
    role: 'read',
    allowed: sessionScoped(200),
    changes: never,
  },
  {
    method: 'GET',
    path: '/v1/sessions/{id}/events',
    prepare: onSession('/events?after_step=14'),
    role: 'read',
    allowed: sessionScoped(200),
    changes: never,
    streams: true,
  },
  {
    method: 'GET',
    path: '/v1/sessions/{id}/state_dict',
    prepare: onSession('/state_dict'),
    role: 'read',
    allowed: sessionScoped(200),
    changes: never,
  },
  {
    method: 'GET',
    path: '/v1/sessions/{id}/suggestion',
    prepare: onSession('/suggestion'),
    role: 'read',
    allowed: sessionScoped(200),
    changes: never,
  },
  {
    // Previews belong to no project; the reference case below is where projects matter.
    method: 'POST',
    path: '/v1/preview',
    prepare: async () => ({ url: '/v1/preview', body: { ...stepLr(2), steps: 5 } }),
    role: 'read',
    allowed: () => 200,
    changes: never,
  },
  {
    method: 'POST',
    path: '/v1/projects',
    prepare: async (where) => ({
      url: '/v1/projects',
      body: { name: where === 'own' ? OWN : `project-${(serial += 1)}` },
    }),
    role: 'admin',
    allowed: (where) => (where === 'own' ? 200 : 201),
    changes: (where) => where === 'other',
  },
  { method: 'GET', path: '/v1/projects', prepare: async () => ({ url: '/v1/projects' }), role: 'admin', allowed: () => 200, changes: never },
  {
    method: 'POST',
    path: '/v1/keys',
    prepare: async (where) => ({ url: '/v1/keys', body: { project: where === 'own' ? OWN : OTHER, role: 'read' } }),
    role: 'admin',
    allowed: () => 201,
    changes: always,
  },
  { method: 'GET', path: '/v1/keys', prepare: async () => ({ url: '/v1/keys' }), role: 'admin', allowed: () => 200, changes: never },
  {
    method: 'DELETE',
    path: '/v1/keys/{id}',
    prepare: async (where) => ({ url: `/v1/keys/${(await newKey(where === 'own' ? OWN : OTHER, 'write')).id}` }),
    role: 'admin',
    allowed: () => 204,
    changes: always,
  },
];

/**
 * A create or a preview naming a range test of the target's project. Another project's
 * range test is not found, so the reference is a bad field (400).
 */
function naming(url: '/v1/sessions' | '/v1/preview', role: Route['role'], success: number, body: (reference: object) => object): Route {
  return {
    method: 'POST',
    path: `${url} (from_range_test)`,
    prepare: async (where) => ({ url, body: body({ from_range_test: { session: await rangeTest(where), rule: 'steepest' } }) }),
    role,
    allowed: (where, who) => (where === 'other' && who !== 'admin' ? 400 : success),
    changes: url === '/v1/sessions' ? changesIfFound : never,
  };
}

/** Requests that are no routes of their own, where projects matter. */
const VARIANTS: readonly Route[] = [
  {
    // A downsampled history is read another way than its pages.
    method: 'GET',
    path: '/v1/sessions/{id}/history?points=',
    prepare: onSession('/history?points=8'),
    role: 'read',
    allowed: sessionScoped(200),
    changes: never,
  },
  {
    // Lookup by key: the other project's session with this key is not found, an admin's
    // lookup too (keys are looked up in the caller's own project).
    method: 'GET',
    path: '/v1/sessions?key=',
    prepare: async (where) => {
      const key = `lookup-${(serial += 1)}`;
      await ok('POST', '/v1/sessions', makers[where], { key, ...stepLr(10) }, 201);
      return { url: `/v1/sessions?key=${key}` };
    },
    role: 'read',
    allowed: () => 200,
    changes: never,
  },
  naming('/v1/sessions', 'write', 201, (reference) => ({
    param_groups: [{ lr: 0.1 }],
    scheduler: { type: 'OneCycleLR', total_steps: 100, max_lr: reference },
  })),
  naming('/v1/preview', 'read', 200, (reference) => ({
    param_groups: [{ lr: reference }],
    scheduler: { type: 'StepLR', step_size: 2 },
    steps: 4,
  })),
];

const ROLE_ORDER = ['read', 'write', 'admin'];

function expectedStatus(route: Route, who: Who, where: Where): number {
  if (who === 'none' || who === 'revoked') return 401;
  if (ROLE_ORDER.indexOf(who) < ROLE_ORDER.indexOf(route.role)) return 403;
  return route.allowed(where, who);
}

/**
 * An event stream's answer: a refusal whole, or the headers and the first event of a
 * stream, which is then let go (the app's close ends the watch it leaves open).
 */
async function firstEvent(token: string | undefined, url: string) {
  const response = await app.inject({
    method: 'GET',
    url,
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    payloadAsStream: true,
  });
  const stream = response.stream();
  let text = '';
  for await (const chunk of stream) {
    text += String(chunk);
    if (response.statusCode === 200 && text.includes('\n\n')) break;
  }
  stream.destroy();
  const body = response.statusCode === 200 ? { event: text.slice(0, text.indexOf('\n\n')) } : JSON.parse(text);
  return { status: response.statusCode, headers: response.headers, body };
}

/** Every row of every table the service writes, in a fixed order. */
const snapshot = () => tableContents(database, ['projects', 'api_keys', 'sessions', 'history', 'audit_log']);

beforeAll(async () => {
  testDatabase = await createTestDatabase();
  database = testDatabase.options;
  const logs = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString());
      done();
    },
  });
  app = await buildApp({ database, adminToken: ADMIN_TOKEN, logger: createLogger('trace', logs) });
  await app.ready();
  await ok('POST', '/v1/projects', ADMIN_TOKEN, { name: OWN }, 201);
  await ok('POST', '/v1/projects', ADMIN_TOKEN, { name: OTHER }, 201);
  for (const role of ['read', 'write', 'admin'] as const) callers[role] = (await newKey(OWN, role)).token;
  const revoked = await newKey(OWN, 'admin');
  await ok('DELETE', `/v1/keys/${revoked.id}`, ADMIN_TOKEN, undefined, 204);
  callers.revoked = revoked.token;
  makers.own = (await newKey(OWN, 'write')).token;
  makers.other = (await newKey(OTHER, 'write')).token;
});

afterAll(async () => {
  await app?.close();
  await testDatabase?.remove();
});

describe(`every /v1 route × caller × project, on ${TEST_STORE}`, () => {
  it('covers every /v1 operation the service documents', () => {
    const paths = (app.swagger() as { paths: Record<string, Record<string, unknown>> }).paths;
    const documented = Object.entries(paths)
      .filter(([path]) => path.startsWith('/v1/'))
      .flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    expect(ROUTES.map((r) => `${r.method} ${r.path}`).sort()).toEqual(documented);
  });

  for (const route of [...ROUTES, ...VARIANTS]) {
    describe(`${route.method} ${route.path}`, () => {
      for (const who of WHO) {
        for (const where of WHERE) {
          const expected = expectedStatus(route, who, where);
          it(`${who} token, ${where} project: ${expected}`, async () => {
            const { url, body } = await route.prepare(where);
            const before = await snapshot();
            const token = who === 'none' ? undefined : callers[who];
            const answer = route.streams ? await firstEvent(token, url) : await callAs(app, token, route.method, url, body);
            if (answer.body?.token) tokens.push(answer.body.token);
            expect(answer.status, JSON.stringify(answer.body)).toBe(expected);
            const after = await snapshot();
            if (expected >= 400) {
              expect(after, 'a refused request changed the database').toBe(before);
              expect(answer.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
            } else {
              expect(after !== before, 'whether the database changed').toBe(route.changes(where, who));
            }
            if (expected === 401) {
              expect(answer.headers['www-authenticate']).toMatch(/^Bearer realm="lrsched"/);
              if (who === 'revoked') expect(answer.body.detail).toContain('revoked');
            } else {
              expect(answer.headers['www-authenticate']).toBeUndefined();
            }
            if (expected === 403) expect(answer.body.detail).toContain(`'${route.role}' role`);
            if (route.path === '/v1/sessions?key=' && expected === 200) {
              expect(answer.body.items).toHaveLength(where === 'own' ? 1 : 0);
            }
            if (route.streams && expected === 200) expect(answer.body.event).toMatch(/^id: 15\nevent: step\n/);
            if (route.method === 'GET' && route.path === '/v1/sessions' && expected === 200) {
              const projects = new Set(answer.body.items.map((s: { project: string }) => s.project));
              expect([...projects].sort()).toEqual(who === 'admin' ? [OWN, OTHER] : [OWN]);
            }
          });
        }
      }
    });
  }
});

describe('after the matrix', () => {
  it('no token is in the logs, which did log the requests', () => {
    const logs = logLines.join('');
    expect(logLines.length).toBeGreaterThan(1000);
    expect(logs).toContain('request completed'); // one line per request (plugins/request-log.ts)
    expect(tokens.length).toBeGreaterThan(10);
    for (const token of tokens) expect(logs.includes(token), 'a token in the logs').toBe(false);
    expect(logs).not.toContain('lrs_');
  });

  it('no token is in the database, which holds their digests', async () => {
    await app.close();
    const file = await storedText(database);
    for (const token of tokens) expect(file.includes(token), 'a token in the database').toBe(false);
    expect(file).not.toContain('lrs_');
    for (const token of tokens.slice(1)) expect(file).toContain(tokenDigest(token));
  });
});
