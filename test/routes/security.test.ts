import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startListeningApp } from '../support/listening-app.js';

/** Security headers on every kind of answer, and a CSP that /docs (swagger-ui) works under in a real browser. */

const CHROMIUM = '/usr/bin/chromium';

let url: string;
let close: () => Promise<void>;
beforeAll(async () => ({ url, close } = await startListeningApp()));
afterAll(async () => close());

const SECURITY_HEADERS = ['content-security-policy', 'x-content-type-options', 'x-frame-options', 'referrer-policy', 'cross-origin-opener-policy'];

describe('security headers', () => {
  it.each([
    ['GET', '/healthz', undefined, 200],
    ['GET', '/openapi.json', undefined, 200],
    ['GET', '/docs/', undefined, 200],
    ['GET', '/v1/sessions/none', undefined, 404],
    ['GET', '/nowhere', undefined, 404],
    ['POST', '/v1/sessions', '{"param_groups": [', 400],
    ['POST', '/v1/preview', '{"param_groups": [{"lr": 1}], "scheduler": {"type": "StepLR", "step_size": 1}, "steps": 1}', 200],
  ])('on %s %s (%s → %i)', async (method, path, body, status) => {
    const response = await fetch(`${url}${path}`, {
      method,
      ...(body === undefined ? {} : { body, headers: { 'content-type': 'application/json' } }),
    });
    expect(response.status).toBe(status);
    for (const header of SECURITY_HEADERS) expect(response.headers.get(header), header).toBeTruthy();
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).not.toContain('upgrade-insecure-requests');
  });

  // Chromium is Debian's package (.ci/run installs it); without it this test cannot run.
  it.skipIf(!existsSync(CHROMIUM))('lets /docs render in Chromium with no content security policy violation', async () => {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run'],
    });
    try {
      const page = await browser.newPage();
      const violations: string[] = [];
      page.on('console', (message) => {
        if (/content security policy/i.test(message.text())) violations.push(message.text());
      });
      const failed: string[] = [];
      page.on('requestfailed', (request) => failed.push(request.url()));
      await page.goto(`${url}/docs`);
      // swagger-ui renders the document's title and an operation per route once its scripts ran and /docs/json loaded.
      await page.locator('.swagger-ui .info .title').waitFor({ timeout: 20_000 });
      expect(await page.locator('.swagger-ui .info .title').innerText()).toContain('lrsched');
      expect(await page.locator('.opblock').count()).toBeGreaterThan(5);
      expect(violations).toEqual([]);
      expect(failed).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
