import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { call } from '../support/app.js';
import { bumpyReports, cyclingSession, recordSessionInFile } from '../support/recorded-history.js';
import { hasChromium, inChromium, launchBrowser, openPage, screenshot, startServer } from './browser.js';

const STEPS = 100_000;

/**
 * A 100 000-step run in the browser: the page reads a downsampled history (never the whole
 * run), draws all of it, zooms by asking for a range, and still follows live steps.
 */
describe.skipIf(!hasChromium)(inChromium('a 100 000-step run'), () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let browser: Browser;
  let id = '';

  beforeAll(async () => {
    server = await startServer(async (databasePath) => {
      id = await recordSessionInFile(databasePath, { name: 'long-run', ...cyclingSession }, STEPS, bumpyReports(5));
    });
    browser = await launchBrowser();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  test('opens from at most 2000 history entries, zooms by range and follows live steps', async () => {
    const { page, problems, close } = await openPage(browser, server.url);
    try {
      const histories: { url: URL; entries: number }[] = [];
      page.on('response', async (response) => {
        const url = new URL(response.url());
        if (url.pathname.endsWith('/history')) histories.push({ url, entries: ((await response.json()) as { items: unknown[] }).items.length });
      });
      await page.goto(`${server.url}/#/sessions/${id}`);
      const lrChart = page.locator('.chart[data-chart="Learning rate"]');
      // Away from the cursor the legend shows the newest point: the whole run was drawn.
      await expect.poll(() => lrChart.locator('.u-legend').innerText(), { timeout: 10_000 }).toContain(String(STEPS));
      await expect.poll(() => page.locator('.chart[data-chart="grad_norm"]').count()).toBe(1);
      expect(histories).toHaveLength(1);
      const points = Number(histories[0]!.url.searchParams.get('points'));
      expect(points).toBeGreaterThan(0);
      expect(points).toBeLessThanOrEqual(2000);
      expect(histories[0]!.entries).toBeLessThanOrEqual(points);

      await expect.poll(() => page.locator('.live').getAttribute('data-status')).toBe('live');
      const stepped = await call(server.app, 'POST', `/v1/sessions/${id}/step`, { metric: 1, expected_step: STEPS });
      expect(stepped.status).toBe(200);
      await expect.poll(() => page.locator('.state-list').getAttribute('data-step'), { timeout: 2_000, interval: 50 }).toBe(String(STEPS + 1));

      // Dragging across a chart zooms all of them and asks for that range only.
      const plot = (await lrChart.locator('.u-over').boundingBox())!;
      await page.mouse.move(plot.x + plot.width * 0.4, plot.y + plot.height / 2);
      await page.mouse.down();
      await page.mouse.move(plot.x + plot.width * 0.45, plot.y + plot.height / 2, { steps: 4 });
      await page.mouse.up();
      await expect.poll(() => histories.length).toBe(2);
      const zoomed = histories[1]!.url.searchParams;
      const [from, to] = [Number(zoomed.get('from_step')), Number(zoomed.get('to_step'))];
      expect(to - from).toBeGreaterThan(STEPS * 0.03);
      expect(to - from).toBeLessThan(STEPS * 0.07);
      await expect.poll(() => page.locator('.zoom-note').innerText()).toContain(`steps ${from}–${to}`);
      await screenshot(page, 'long-run-zoomed');

      await page.getByRole('button', { name: 'Show all steps' }).click();
      await expect.poll(() => lrChart.locator('.u-legend').innerText()).toContain(String(STEPS + 1));
      await screenshot(page, 'long-run');
      await page.waitForTimeout(300);
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  }, 60_000);
});
