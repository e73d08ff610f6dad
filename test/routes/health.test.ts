import Fastify from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PROBLEM_CONTENT_TYPE } from '../../src/api/problem.js';
import { problemHandling } from '../../src/plugins/problems.js';
import { sessionsPlugin } from '../../src/plugins/sessions.js';
import { healthRoutes } from '../../src/routes/health.js';
import { openDatabase } from '../../src/store/database.js';
import { call, tempDir } from '../support/app.js';

/** Only the health route, on a database the test holds, so that it can close it under the route. */
async function healthApp() {
  const { dir, remove } = tempDir();
  const db = openDatabase(join(dir, 'lrsched.db'));
  const app = Fastify();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(problemHandling);
  await app.register(sessionsPlugin, { database: db });
  await app.register(healthRoutes);
  await app.ready();
  cleanups.push(async () => {
    await app.close();
    remove();
  });
  return { app, db };
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

  it('answers 503 with a problem document once the database is closed', async () => {
    const { app, db } = await healthApp();
    db.close();
    const answer = await call(app, 'GET', '/healthz');
    expect(answer.status).toBe(503);
    expect(answer.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(answer.body).toMatchObject({ type: 'urn:lrsched:problem:database-unavailable', status: 503, detail: 'the database does not answer' });
  });
});
