import { existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { buildApp } from '../../src/app.js';
import { tempDir, type App } from '../support/app.js';

/** Debian's Chromium (.ci/run installs the `chromium` package); never a downloaded browser. */
export const CHROMIUM = '/usr/bin/chromium';

export const hasChromium = existsSync(CHROMIUM);

/** A browser suite's title, saying why it skips where Chromium is missing. */
export function inChromium(title: string): string {
  return hasChromium ? `${title} in Chromium` : `${title} in Chromium: skipped, ${CHROMIUM} is missing (apt-get install chromium, as .ci/run does)`;
}

const repo = fileURLToPath(new URL('../../', import.meta.url));
export const ARTIFACTS = join(repo, 'test-artifacts', 'ui');

/** The dashboard built the way `npm run build` builds it, into a folder of its own. */
export async function buildUi(outDir: string): Promise<void> {
  await build({ configFile: join(repo, 'ui', 'vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
}

/**
 * The whole service with that build at /, on a free port, on a real SQLite file; `prepare`
 * may fill the database first (through its own connection, closed before the service opens it).
 */
export async function startServer(
  prepare?: (databasePath: string) => Promise<unknown>,
): Promise<{ app: App; url: string; close: () => Promise<void> }> {
  const { dir, remove } = tempDir('lrsched-ui-');
  const uiDirectory = join(dir, 'ui');
  const databasePath = join(dir, 'lrsched.db');
  await prepare?.(databasePath);
  await buildUi(uiDirectory);
  const app = await buildApp({ database: { kind: 'sqlite', path: databasePath }, uiDirectory });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      await app.close();
      remove();
    },
  };
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run'],
  });
}

/**
 * A page that records what must not happen: console errors, uncaught exceptions, requests
 * that failed or went to another origin, and answers of 400 or more. The one tolerated failure is the page itself
 * closing a session's event stream when it navigates away.
 */
export async function openPage(browser: Browser, origin: string, colorScheme: 'light' | 'dark' = 'light') {
  const context = await browser.newContext({ viewport: { width: 1360, height: 1000 }, colorScheme, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`exception: ${error.message}`));
  page.on('requestfailed', (request) => {
    const reason = request.failure()?.errorText ?? '';
    if (reason === 'net::ERR_ABORTED' && /\/events(\?|$)/.test(request.url())) return;
    problems.push(`request failed: ${request.url()} ${reason}`);
  });
  // Offline by construction: every file and font comes from the service itself.
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.origin !== origin && url.protocol !== 'data:' && url.protocol !== 'blob:') problems.push(`request elsewhere: ${request.url()}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  return { page, problems, close: () => context.close() };
}

/** What the viewport shows (a full-page capture would paint the sticky header mid-page). */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.evaluate('window.scrollTo(0, 0)');
  await page.screenshot({ path });
  return path;
}
