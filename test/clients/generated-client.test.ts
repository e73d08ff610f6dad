import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import createClient from 'openapi-fetch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { paths } from '../../clients/typescript/src/schema.js';
import { tempDir } from '../support/app.js';
import { startListeningApp, type ListeningApp } from '../support/listening-app.js';
import { syntheticLoss } from '../support/synthetic-loss.js';

/**
 * A client generated from openapi/openapi.json by an external generator (openapi-typescript's
 * command line) can say what the service takes: a create whose max_lr and
 * group lr name a range test's suggestion type-checks, a malformed reference does not, and
 * the request it types is one the service accepts.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const bin = (name: string) => join(ROOT, 'node_modules/.bin', name);
const run = promisify(execFile);

type CreateBody = paths['/v1/sessions']['post']['requestBody']['content']['application/json'];

/** What the generated types must accept and refuse. */
const TYPED_REQUESTS = `
export const fromRangeTest: CreateBody = {
  key: 'after-range-test',
  param_groups: [{ lr: { from_range_test: { session: 'test-id', rule: 'valley' } }, momentum: 0.9 }],
  scheduler: { type: 'OneCycleLR', max_lr: { from_range_test: { session: 'test-id' } }, total_steps: 100 },
};

export const nested: CreateBody = {
  param_groups: [{ lr: 0.1 }],
  scheduler: {
    type: 'SequentialLR',
    milestones: [5],
    schedulers: [
      { type: 'LinearLR', start_factor: 0.1, total_iters: 5 },
      { type: 'CyclicLR', base_lr: 0.001, max_lr: { from_range_test: { session: 'test-id', rule: 'minimum' } } },
    ],
  },
};

export const badRule: CreateBody = {
  param_groups: [{ lr: 0.1 }],
  // @ts-expect-error median is no rule
  scheduler: { type: 'OneCycleLR', max_lr: { from_range_test: { session: 'test-id', rule: 'median' } }, total_steps: 100 },
};

export const noSession: CreateBody = {
  // @ts-expect-error a reference names its session
  param_groups: [{ lr: { from_range_test: { rule: 'valley' } } }],
  scheduler: { type: 'StepLR', step_size: 1 },
};

export const referenceElsewhere: CreateBody = {
  param_groups: [{ lr: 0.1 }],
  // @ts-expect-error only lr and max_lr take references
  scheduler: { type: 'StepLR', step_size: 1, gamma: { from_range_test: { session: 'test-id' } } },
};
`;

let server: ListeningApp;
let dir: string;
let remove: () => void;
beforeAll(async () => {
  server = await startListeningApp();
  ({ dir, remove } = tempDir('lrsched-generated-'));
});
afterAll(async () => {
  await server.close();
  remove();
});

describe('a client generated from openapi/openapi.json', () => {
  it('types a from_range_test create, and refuses malformed references, when tsc compiles it', async () => {
    // Without --default-non-nullable false, openapi-typescript makes every field with a default
    // required in components, requests included; the repository's own client is generated so too.
    const generate = [join(ROOT, 'openapi/openapi.json'), '--default-non-nullable', 'false', '--output', join(dir, 'schema.ts')];
    await run(bin('openapi-typescript'), generate, { cwd: dir, timeout: 60_000 });
    writeFileSync(
      join(dir, 'requests.ts'),
      `import type { paths } from './schema.js';\n` +
        `type CreateBody = paths['/v1/sessions']['post']['requestBody']['content']['application/json'];\n` +
        TYPED_REQUESTS,
    );
    const compiled = await run(
      bin('tsc'),
      ['--noEmit', '--strict', '--target', 'ES2022', '--module', 'NodeNext', '--moduleResolution', 'NodeNext', join(dir, 'requests.ts')],
      { timeout: 120_000 },
    ).catch((error: { stdout: string }) => error);
    // An unused @ts-expect-error fails the compile too, so the refusals are proven here.
    expect(compiled.stdout).toBe('');
  }, 180_000);

  it('sends that create through openapi-fetch, and the service resolves it', async () => {
    const api = createClient<paths>({ baseUrl: server.url });
    const test = await api.POST('/v1/sessions', {
      body: { param_groups: [{ lr: 1e-7 }], scheduler: { type: 'LRRangeTest', end_lr: 100, num_iter: 300 } },
    });
    const id = test.data!.id;
    const loss = syntheticLoss(3);
    let state = test.data!.state;
    while (!state.finished) {
      const stepped = await api.POST('/v1/sessions/{id}/step', {
        params: { path: { id } },
        body: { metric: loss(Number(state.lrs[0])), expected_step: state.step },
      });
      state = stepped.data!;
    }
    const suggestion = (await api.GET('/v1/sessions/{id}/suggestion', { params: { path: { id } } })).data!;

    const body: CreateBody = {
      param_groups: [{ lr: { from_range_test: { session: id, rule: 'valley' } }, momentum: 0.9 }],
      scheduler: { type: 'OneCycleLR', max_lr: { from_range_test: { session: id } }, total_steps: 100 },
    };
    const created = await api.POST('/v1/sessions', { body });
    expect(created.response.status).toBe(201);
    expect(created.data?.param_groups[0]?.lr).toBe(suggestion.valley.lr);
    expect(created.data?.scheduler).toMatchObject({ type: 'OneCycleLR', max_lr: suggestion.steepest.lr });

    // What the types refuse (checked by \`npm run typecheck\` here), the service refuses too.
    const refused = await api.POST('/v1/sessions', {
      body: {
        param_groups: [{ lr: 0.1 }],
        // @ts-expect-error median is no rule
        scheduler: { type: 'OneCycleLR', max_lr: { from_range_test: { session: id, rule: 'median' } }, total_steps: 100 },
      },
    });
    expect(refused.response.status).toBe(400);
    expect(refused.error?.errors).toEqual([
      { path: 'scheduler.max_lr.from_range_test.rule', message: expect.stringContaining('valley') },
    ]);
  });
});
