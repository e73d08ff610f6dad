import Fastify from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';
import { afterEach, describe, expect, it } from 'vitest';
import { PROBLEM_CONTENT_TYPE } from '../../src/api/problem.js';
import { jsonSchemaSerializerCompiler } from '../../src/plugins/json-serializer.js';
import { problemHandling } from '../../src/plugins/problems.js';
import { sessionsPlugin } from '../../src/plugins/sessions.js';
import { healthRoutes } from '../../src/routes/health.js';
import { openStore } from '../../src/store/open-store.js';
import { call } from '../support/app.js';
import { createTestDatabase } from '../support/test-database.js';

/** Only the health route, on a store the test holds, so that it can close it under the route. */
async function healthApp() {
  const database = await createTestDatabase();
  const store = await openStore(database.options);
  const app = Fastify();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(jsonSchemaSerializerCompiler);
  await app.register(problemHandling);
  await app.register(sessionsPlugin, { store });
  await app.register(healthRoutes);
  await app.ready();
  cleanups.push(async () => {
    await app.close();
    await database.remove();
  });
  return { app, store };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe('GET /healthz', () => {
  it('answers 200 while the database answers', async () => {
    const { app } = await healthApp();
    const answer = await call(app, 'GET', '/healthz');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ status: 'ok' });
  });

  it('answers 503 with a problem document and Retry-After once the database is closed', async () => {
    const { app, store } = await healthApp();
    await store.close();
    const answer = await call(app, 'GET', '/healthz');
    expect(answer.status).toBe(503);
    expect(answer.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(answer.headers['retry-after']).toBe('1');
    expect(answer.body).toMatchObject({ type: 'urn:lrsched:problem:database-unavailable', status: 503, detail: 'the database does not answer' });
  });
});
