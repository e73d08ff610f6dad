import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildApp } from '../../src/app.js';
import { tempDir, type App } from '../support/app.js';

/** How the service serves a dashboard build: the files at /, the API and its 404s untouched. */
describe('the dashboard plugin', () => {
  const folder = tempDir('lrsched-ui-plugin-');
  const built = join(folder.dir, 'ui');
  let app: App;
  let unbuilt: App;

  beforeAll(async () => {
    mkdirSync(join(built, 'assets'), { recursive: true });
    writeFileSync(join(built, 'index.html'), '<!doctype html><title>lrsched</title><script type="module" src="/assets/index-Ab12.js"></script>');
    writeFileSync(join(built, 'assets', 'index-Ab12.js'), 'console.log("dashboard")');
    app = await buildApp({ database: { kind: 'sqlite', path: join(folder.dir, 'a.db') }, uiDirectory: built });
    unbuilt = await buildApp({ database: { kind: 'sqlite', path: join(folder.dir, 'b.db') }, uiDirectory: join(folder.dir, 'missing') });
  });

  afterAll(async () => {
    await app.close();
    await unbuilt.close();
    folder.remove();
  });

  test('serves index.html at / for revalidation, and hashed assets for good', async () => {
    const page = await app.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.body).toContain('/assets/index-Ab12.js');

    const asset = await app.inject({ method: 'GET', url: '/assets/index-Ab12.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(asset.body).toBe('console.log("dashboard")');
  });

  test('leaves the API, its problem documents and the OpenAPI document as they were', async () => {
    expect((await app.inject({ method: 'GET', url: '/v1/sessions' })).statusCode).toBe(200);
    for (const url of ['/nothing-here', '/assets/missing.js', '/v1/nothing']) {
      const missing = await app.inject({ method: 'GET', url });
      expect(missing.statusCode, url).toBe(404);
      expect(missing.headers['content-type'], url).toMatch(/^application\/problem\+json/);
    }
    const document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json<{ paths: Record<string, unknown> }>();
    expect(Object.keys(document.paths).filter((path) => !path.startsWith('/v1/') && path !== '/healthz')).toEqual([]);
  });

  test('without a build, / says how to make one and the API still works', async () => {
    const page = await unbuilt.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(503);
    expect(page.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(page.json()).toMatchObject({ type: 'urn:lrsched:problem:dashboard-not-built', status: 503 });
    expect(page.json().detail).toContain('npm run build');
    expect((await unbuilt.inject({ method: 'GET', url: '/v1/sessions' })).statusCode).toBe(200);
  });
});
