import type { DatabaseOptions } from '../../src/store/open-store.js';
import { storedRows } from '../support/test-database.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MAX_COMPOSITE_DEPTH,
  MAX_EXPRESSION_LENGTH,
  MAX_MILESTONES,
  MAX_NAME_LENGTH,
  MAX_NESTED_SCHEDULERS,
  MAX_PARAM_GROUPS,
  MAX_PREVIEW_WORK,
  MAX_RANGE_TEST_GROUP_POINTS,
  MAX_RANGE_TEST_ITERATIONS,
} from '../../src/limits.js';
import { call, startTestService, type Service } from '../support/app.js';

/**
 * Each limit on a request, at the limit (accepted) and one beyond (refused with a problem
 * that names the field and the limit, and nothing stored).
 */

let app: Service;
let close: () => Promise<void>;
let database: DatabaseOptions;
beforeAll(async () => ({ app, close, database } = await startTestService()));
afterAll(async () => close());

const groups = (n: number) => Array.from({ length: n }, () => ({ lr: 0.1 }));
const exponential = { type: 'ExponentialLR', gamma: 0.9 };
const chain = (children: object[]) => ({ type: 'ChainedScheduler', schedulers: children });
/** Composites nested `depth` levels deep around one ExponentialLR. */
const nested = (depth: number): object => (depth === 0 ? exponential : chain([nested(depth - 1)]));
/** An lr_lambda of `calls` terms exp(-epoch): 18 operations each (the call 16), and the +s between. */
const heavyLambda = (calls: number) => Array.from({ length: calls }, () => 'exp(-epoch)').join(' + ');

async function sessionsStored(): Promise<number> {
  return (await storedRows(database)).sessions;
}

type Case = readonly [name: string, atLimit: object, beyond: object, path: string, limit: string];

const sessions: Case[] = [
  ['param groups', { param_groups: groups(MAX_PARAM_GROUPS), scheduler: exponential }, { param_groups: groups(MAX_PARAM_GROUPS + 1), scheduler: exponential }, 'param_groups', 'MAX_PARAM_GROUPS'],
  [
    'per-group values',
    { param_groups: groups(MAX_PARAM_GROUPS), scheduler: { type: 'CyclicLR', base_lr: 0.01, max_lr: Array(MAX_PARAM_GROUPS).fill(0.1) } },
    { param_groups: groups(MAX_PARAM_GROUPS), scheduler: { type: 'CyclicLR', base_lr: 0.01, max_lr: Array(MAX_PARAM_GROUPS + 1).fill(0.1) } },
    'scheduler.max_lr',
    'MAX_PARAM_GROUPS',
  ],
  [
    'milestones',
    { param_groups: groups(1), scheduler: { type: 'MultiStepLR', milestones: Array.from({ length: MAX_MILESTONES }, (_, i) => i) } },
    { param_groups: groups(1), scheduler: { type: 'MultiStepLR', milestones: Array.from({ length: MAX_MILESTONES + 1 }, (_, i) => i) } },
    'scheduler.milestones',
    'MAX_MILESTONES',
  ],
  [
    'schedulers in one composite',
    { param_groups: groups(1), scheduler: chain(Array(MAX_NESTED_SCHEDULERS - 1).fill(exponential)) },
    { param_groups: groups(1), scheduler: chain(Array(MAX_NESTED_SCHEDULERS + 1).fill(exponential)) },
    'scheduler.schedulers',
    'MAX_NESTED_SCHEDULERS',
  ],
  [
    'schedulers at all levels',
    // 1 + 2 × (1 + 14) = 31, and 1 + 2 × (1 + 16) = 35.
    { param_groups: groups(1), scheduler: chain([chain(Array(14).fill(exponential)), chain(Array(14).fill(exponential))]) },
    { param_groups: groups(1), scheduler: chain([chain(Array(16).fill(exponential)), chain(Array(16).fill(exponential))]) },
    'scheduler',
    'MAX_NESTED_SCHEDULERS',
  ],
  ['composite depth', { param_groups: groups(1), scheduler: nested(MAX_COMPOSITE_DEPTH) }, { param_groups: groups(1), scheduler: nested(MAX_COMPOSITE_DEPTH + 1) }, 'scheduler', 'MAX_COMPOSITE_DEPTH'],
  [
    'scheduler config bytes',
    { param_groups: groups(500), scheduler: { type: 'LambdaLR', lr_lambda: Array(500).fill(`${'1 + '.repeat(100)}epoch`) } },
    { param_groups: groups(1000), scheduler: { type: 'LambdaLR', lr_lambda: Array(1000).fill(`${'1 + '.repeat(100)}epoch`) } },
    'scheduler',
    'MAX_SCHEDULER_CONFIG_BYTES',
  ],
  [
    'expression length',
    { param_groups: groups(1), scheduler: { type: 'LambdaLR', lr_lambda: `${' '.repeat(MAX_EXPRESSION_LENGTH - 5)}epoch` } },
    { param_groups: groups(1), scheduler: { type: 'LambdaLR', lr_lambda: `${' '.repeat(MAX_EXPRESSION_LENGTH - 4)}epoch` } },
    'scheduler.lr_lambda',
    'MAX_EXPRESSION_LENGTH',
  ],
  [
    'work of one step',
    // n calls are 19n - 1 operations; 1000 groups × (1 + (19n - 1)/32) units: 19 969 for n = 32, 20 563 for 33.
    { param_groups: groups(1000), scheduler: { type: 'LambdaLR', lr_lambda: heavyLambda(32) } },
    { param_groups: groups(1000), scheduler: { type: 'LambdaLR', lr_lambda: heavyLambda(33) } },
    'scheduler',
    'MAX_STEP_WORK',
  ],
  [
    'range test batches',
    { param_groups: groups(1), scheduler: { type: 'LRRangeTest', num_iter: MAX_RANGE_TEST_ITERATIONS } },
    { param_groups: groups(1), scheduler: { type: 'LRRangeTest', num_iter: MAX_RANGE_TEST_ITERATIONS + 1 } },
    'scheduler.num_iter',
    'MAX_RANGE_TEST_ITERATIONS',
  ],
  [
    'range test batches × groups',
    { param_groups: groups(10), scheduler: { type: 'LRRangeTest', num_iter: MAX_RANGE_TEST_GROUP_POINTS / 10 } },
    { param_groups: groups(11), scheduler: { type: 'LRRangeTest', num_iter: MAX_RANGE_TEST_GROUP_POINTS / 10 } },
    'scheduler.num_iter',
    'MAX_RANGE_TEST_GROUP_POINTS',
  ],
  ['name', { name: 'n'.repeat(MAX_NAME_LENGTH), param_groups: groups(1), scheduler: exponential }, { name: 'n'.repeat(MAX_NAME_LENGTH + 1), param_groups: groups(1), scheduler: exponential }, 'name', 'MAX_NAME_LENGTH'],
];

describe('limits on creating a session', () => {
  it.each(sessions)('%s: accepted at the limit, refused beyond it', async (_name, atLimit, beyond, path, limit) => {
    expect((await call(app, 'POST', '/v1/sessions', atLimit)).status).toBe(201);
    const before = await sessionsStored();
    const refused = await call(app, 'POST', '/v1/sessions', beyond);
    expect(refused.status, JSON.stringify(refused.body)).toBe(400);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.body).toMatchObject({ type: 'urn:lrsched:problem:invalid-request', limit });
    expect(refused.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    expect(refused.body.detail).toContain(limit);
    expect(await sessionsStored()).toBe(before);
  });
});

describe('limits on a preview', () => {
  it('refuses a preview beyond MAX_PREVIEW_WORK, naming steps, and answers one within it', async () => {
    // 10 groups × (1 + 151/32) = 57 units a step: 100 000 steps are 5.7 million.
    const scheduler = { type: 'LambdaLR', lr_lambda: heavyLambda(8) };
    const within = await call(app, 'POST', '/v1/preview', { param_groups: groups(10), scheduler, steps: 1000 });
    expect(within.status).toBe(200);
    const beyond = await call(app, 'POST', '/v1/preview', { param_groups: groups(10), scheduler, steps: 100_000 });
    expect(beyond.status).toBe(400);
    expect(beyond.body).toMatchObject({ limit: 'MAX_PREVIEW_WORK', errors: [{ path: 'steps' }] });
    expect(beyond.body.detail).toContain(`${MAX_PREVIEW_WORK}`);
  });
});
