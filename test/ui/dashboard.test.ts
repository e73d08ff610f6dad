import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { call } from '../support/app.js';
import { syntheticLoss } from '../support/synthetic-loss.js';
import { hasChromium, inChromium, launchBrowser, openPage, screenshot, startServer } from './browser.js';

/**
 * The dashboard in a real browser (Debian's Chromium, headless) against the real service on a
 * listening socket: what a user sees on each page, live updates without reloading, and that no
 * page logs an error or has a request fail.
 */

type Server = Awaited<ReturnType<typeof startServer>>;

/** The first series colour of each scheme (style.css --series-1): the lr of group 0, the smoothed loss. */
const FIRST_SERIES = { light: [0x35, 0x59, 0xe0], dark: [0x6d, 0x8c, 0xff] } as const;

/**
 * Canvas pixels drawn in a colour (near it, opaque), or drawn at all without one. Axes and grid
 * alone leave a series colour at 0, so with a colour this counts what a series line put there.
 */
async function pixelsOf(chart: Locator, rgb: readonly number[] | null): Promise<number> {
  return chart.locator('canvas').evaluate((canvas, colour) => {
    type Canvas2d = { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
    const c = canvas as unknown as { width: number; height: number; getContext(kind: '2d'): Canvas2d };
    const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
    let count = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (colour === null) count += data[i + 3]! > 0 ? 1 : 0;
      else {
        const distance = Math.abs(data[i]! - colour[0]!) + Math.abs(data[i + 1]! - colour[1]!) + Math.abs(data[i + 2]! - colour[2]!);
        count += distance < 60 && data[i + 3]! > 200 ? 1 : 0;
      }
    }
    return count;
  }, rgb);
}

describe.skipIf(!hasChromium)(inChromium('dashboard'), () => {
  let server: Server;
  let browser: Browser;

  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  /** A range test reporting a synthetic model's loss, one batch per `batch()`, as a training job would. */
  async function rangeTest(name: string, scheduler: Record<string, unknown>, seed: number) {
    const created = await call(server.app, 'POST', '/v1/sessions', {
      name,
      param_groups: [{ lr: 1e-7 }],
      scheduler: { type: 'LRRangeTest', ...scheduler },
    });
    const id = created.body.id as string;
    const loss = syntheticLoss(seed);
    let state = created.body.state;
    const batch = async () => {
      const answer = await call(server.app, 'POST', `/v1/sessions/${id}/step`, { metric: loss(state.lrs[0]), expected_step: state.step });
      state = answer.body;
    };
    return { id, batch, state: () => state };
  }

  /** Runs a page, screenshots it, and checks nothing went wrong but what `expected` names. */
  async function withPage(
    name: string,
    run: (page: Page) => Promise<void>,
    { scheme = 'light', expected = [] }: { scheme?: 'light' | 'dark'; expected?: RegExp[] } = {},
  ) {
    const { page, problems, close } = await openPage(browser, server.url, scheme);
    try {
      await run(page);
      await screenshot(page, name);
      // Give late requests (a list refresh, an event stream) the chance to fail before judging.
      await page.waitForTimeout(300);
      const unexpected = problems.filter((problem) => !expected.some((pattern) => pattern.test(problem)));
      expect(unexpected, `${name}: console errors or failed requests`).toEqual([]);
    } finally {
      await close();
    }
  }

  test('an empty service says how to start, and an unknown session says it is not there', async () => {
    await withPage('runs-empty', async (page) => {
      await page.goto(`${server.url}/`);
      await expect.poll(() => page.locator('.state.empty h2').innerText()).toBe('No sessions yet');
      expect(await page.locator('.state.empty pre').innerText()).toContain(`${server.url}/v1/sessions`);
    });
    // The 404 is the service's answer, shown to the user: the one request allowed to fail here.
    const notFound = [/HTTP 404: .*\/v1\/sessions\/no-such-session$/, /status of 404/];
    await withPage(
      'session-not-found',
      async (page) => {
        await page.goto(`${server.url}/#/sessions/no-such-session`);
        const error = page.locator('.state.error');
        await expect.poll(() => error.innerText()).toContain('no-such-session');
        expect(await error.getByRole('button', { name: 'Try again' }).count()).toBe(1);
      },
      { expected: notFound },
    );
  });

  test('the runs page lists a new session; its page draws the charts and follows steps live', async () => {
    const created = await call(server.app, 'POST', '/v1/sessions', {
      name: 'resnet50-imagenet',
      key: 'run-2026-11-24-a17',
      metadata: { team: 'vision' },
      param_groups: [
        { lr: 0.1, momentum: 0.9 },
        { lr: 0.01, momentum: 0.9 },
      ],
      scheduler: { type: 'OneCycleLR', max_lr: [0.1, 0.01], total_steps: 400 },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    let lastLoss = 0;
    for (let k = 0; k < 120; k++) {
      const loss = 0.3 + 2 * Math.exp(-k / 40) + 0.04 * Math.sin(k / 2);
      lastLoss = loss;
      const step = await call(server.app, 'POST', `/v1/sessions/${id}/step`, { metric: loss, metrics: { val_acc: 0.9 * (1 - Math.exp(-k / 50)) } });
      expect(step.status).toBe(200);
    }

    await withPage('runs', async (page) => {
      await page.goto(`${server.url}/`);
      const row = page.locator(`tr[data-session="${id}"]`);
      await expect.poll(() => row.count()).toBe(1);
      await expect.poll(() => row.innerText()).toContain('resnet50-imagenet');
      expect(await row.innerText()).toContain('OneCycleLR');
      expect(await row.locator('[data-column=step]').innerText()).toBe('120');
      // The last report's metric, read from the downsampled history's last entry.
      await expect.poll(() => row.locator('[data-column=metric]').innerText()).toBe(String(Number(lastLoss.toPrecision(6))));

      // The list follows the session without a reload (it reads it again every 2 s).
      await call(server.app, 'POST', `/v1/sessions/${id}/step`, { metric: 0.5, expected_step: 120 });
      await expect.poll(() => row.locator('[data-column=step]').innerText(), { timeout: 4_000 }).toBe('121');
      await expect.poll(() => row.locator('[data-column=metric]').innerText()).toBe('0.5');

      // The filters narrow the list: by metadata, by a name that matches nothing.
      await page.fill('#filter-metadata', 'team=vision');
      await expect.poll(() => row.count()).toBe(1);
      await page.fill('#filter-text', 'no-such-run');
      await expect.poll(() => row.count()).toBe(0);
      await page.fill('#filter-text', '');
      await page.fill('#filter-metadata', '');
      await expect.poll(() => row.count()).toBe(1);
    });

    await withPage('run', async (page) => {
      // By keyboard: from the last filter, Tab reaches the run's link and Enter opens it.
      await page.goto(`${server.url}/`);
      await page.locator(`tr[data-session="${id}"] a`).waitFor();
      await page.focus('#filter-metadata');
      await page.keyboard.press('Tab');
      expect(await page.evaluate('document.activeElement.textContent')).toBe('resnet50-imagenet');
      await page.keyboard.press('Enter');
      await page.waitForURL(`**/#/sessions/${id}`);

      for (const title of ['Learning rate', 'Momentum', 'Metric', 'val_acc']) {
        const chart = page.locator(`.chart[data-chart="${title}"]`);
        await expect.poll(() => chart.count(), { message: `${title} chart` }).toBe(1);
        await expect.poll(() => pixelsOf(chart, null), { message: `${title} chart drawn` }).toBeGreaterThan(1000);
      }
      await expect.poll(() => pixelsOf(page.locator('.chart[data-chart="Learning rate"]'), FIRST_SERIES.light), { message: 'lr line' }).toBeGreaterThan(200);
      const state = page.locator('.state-list');
      await expect.poll(() => state.getAttribute('data-step')).toBe('121');
      await expect.poll(() => page.locator('.live').getAttribute('data-status'), { message: 'event stream connected' }).toBe('live');

      // A step through the API shows up without a reload, within 2 s.
      const stepped = await call(server.app, 'POST', `/v1/sessions/${id}/step`, { metric: 0.25, expected_step: 121 });
      expect(stepped.status).toBe(200);
      await expect.poll(() => state.getAttribute('data-step'), { timeout: 2_000, interval: 50 }).toBe('122');
      expect(await state.innerText()).toContain(String(Number(stepped.body.lrs[0].toPrecision(6))));

      // A rewind is marked and the state follows it.
      const rewound = await call(server.app, 'POST', `/v1/sessions/${id}/rewind`, { to_step: 100 });
      expect(rewound.status).toBe(200);
      await expect.poll(() => state.getAttribute('data-step'), { timeout: 2_000, interval: 50 }).toBe('100');

      // The resume snippets name this session.
      expect(await page.locator('pre.snippet').innerText()).toContain('key="run-2026-11-24-a17"');
      await page.getByRole('tab', { name: 'curl' }).click();
      expect(await page.locator('pre.snippet').innerText()).toContain(`/v1/sessions/${id}/step`);

      // The state_dict downloads as PyTorch's keys and the optimizer groups.
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download state_dict' }).click()]);
      const saved = JSON.parse(await streamText(await download.createReadStream()));
      expect(Object.keys(saved).sort()).toEqual(['param_groups', 'state_dict']);
      expect(saved.state_dict.total_steps).toBe(400);
    });
  }, 90_000);

  test('a finished range test shows loss against lr with its three suggestions marked', async () => {
    const lrFind = await rangeTest('lr-find', { end_lr: 10, num_iter: 100 }, 7);
    while (!lrFind.state().finished) await lrFind.batch();
    const id = lrFind.id;
    const suggestion = await call(server.app, 'GET', `/v1/sessions/${id}/suggestion`);
    expect(suggestion.body.finished).toBe(true);

    await withPage('range-test', async (page) => {
      await page.goto(`${server.url}/#/sessions/${id}`);
      const chart = page.locator('.chart[data-chart="loss-vs-lr"]');
      await expect.poll(() => pixelsOf(chart, FIRST_SERIES.dark), { message: 'smoothed loss line' }).toBeGreaterThan(200);
      for (const rule of ['steepest', 'minimum', 'valley']) {
        const marked = page.locator(`li[data-rule="${rule}"] .value`);
        await expect.poll(() => marked.count(), { message: rule }).toBe(1);
        expect(Number(await marked.getAttribute('data-value'))).toBe(suggestion.body[rule].lr);
      }
      await expect.poll(() => page.locator('[role=status]').first().innerText()).toContain('finished');
    }, { scheme: 'dark' });

    // "Start a schedule from this" opens the designer with max_lr from that rule.
    await withPage('range-test-to-designer', async (page) => {
      await page.goto(`${server.url}/#/sessions/${id}`);
      await page.locator('li[data-rule="valley"] a').click();
      const maxLr = page.locator('[data-field="scheduler.max_lr"]');
      await expect.poll(() => maxLr.inputValue()).toBe(String(suggestion.body.valley.lr));
      expect(await page.locator('[data-field="scheduler.type"]').inputValue()).toBe('OneCycleLR');
      const peak = page.locator('.summary [data-side="A"]');
      await expect.poll(() => peak.getAttribute('data-peak')).toBe(String(suggestion.body.valley.lr));
    });
  });

  test('a running range test redraws as its batches arrive', async () => {
    const { id, batch } = await rangeTest('lr-find-running', { end_lr: 1, num_iter: 200 }, 11);
    for (let k = 0; k < 40; k++) await batch();

    await withPage('range-test-running', async (page) => {
      await page.goto(`${server.url}/#/sessions/${id}`);
      const status = page.locator('[role=status]').first();
      await expect.poll(() => status.innerText()).toContain('running · batch 40');
      await expect.poll(() => page.locator('li[data-rule]').count()).toBe(3);
      await batch();
      await expect.poll(() => status.innerText(), { timeout: 2_000, interval: 50 }).toContain('running · batch 41');
    });
  });

  test('the designer previews a OneCycleLR as it is typed, peaking at max_lr, and puts errors beside their fields', async () => {
    await withPage('designer', async (page) => {
      await page.goto(`${server.url}/#/designer`);
      await page.selectOption('[data-field="scheduler.type"]', 'OneCycleLR');
      await page.fill('#steps', '250');
      await page.fill('[data-field="scheduler.total_steps"]', '250');
      await page.fill('[data-field="scheduler.max_lr"]', '0.0375');
      await page.fill('[data-field="scheduler.pct_start"]', '0.4');
      const peak = page.locator('.summary [data-side="A"]');
      await expect.poll(() => peak.getAttribute('data-peak')).toBe('0.0375');
      await expect.poll(() => pixelsOf(page.locator('.chart[data-chart="preview-lr"]'), FIRST_SERIES.light), { message: 'preview line' }).toBeGreaterThan(200);
      expect(await peak.innerText()).toContain('peak lr 0.0375 at step 99');

      // A second config overlays the first.
      await page.check('#compare');
      await page.locator('.design-b [data-field="scheduler.type"]').selectOption('CosineAnnealingLR');
      await page.locator('.design-b [data-field="scheduler.T_max"]').fill('250');
      await expect.poll(() => page.locator('.summary [data-side="B"]').getAttribute('data-peak')).toBe('0.1');

      // The exports carry config A.
      await page.getByRole('tab', { name: 'Python' }).click();
      const python = await page.locator('pre.snippet').innerText();
      expect(python).toContain('RemoteScheduler(');
      expect(python).toContain('"max_lr": 0.0375');
      await page.getByRole('tab', { name: 'curl' }).click();
      expect(await page.locator('pre.snippet').innerText()).toContain('/v1/sessions');
    });

    // Nested schedulers, and a refusal shown beside the field the problem names.
    const { page, problems, close } = await openPage(browser, server.url);
    try {
      await page.goto(`${server.url}/#/designer`);
      await page.selectOption('[data-field="scheduler.type"]', 'SequentialLR');
      const nested = page.locator('[data-field="scheduler.schedulers.1.T_max"]');
      await expect.poll(() => nested.count()).toBe(1);
      await nested.fill('0');
      const error = page.locator('.field[data-path="scheduler.schedulers.1.T_max"] .field-error');
      await expect.poll(() => error.innerText()).not.toBe('');
      expect(await nested.getAttribute('aria-invalid')).toBe('true');
      await screenshot(page, 'designer-error');
      // The refusal is the service's 400, which the page asked for and showed: nothing else failed.
      expect(problems.filter((p) => !p.startsWith('HTTP 400') && !p.includes('status of 400'))).toEqual([]);
    } finally {
      await close();
    }
  });

  test('an API key typed into the page goes with every request as a bearer token', async () => {
    const { page, close } = await openPage(browser, server.url);
    try {
      await page.goto(`${server.url}/`);
      await page.fill('#api-key', 'lrs_example_read_key');
      // The list refreshes every 2 s: wait for the first request made with a key.
      const sent = page.waitForRequest((r) => r.url().includes('/v1/sessions') && r.headers().authorization !== undefined);
      await page.click('#key-form button');
      expect((await sent).headers().authorization).toBe('Bearer lrs_example_read_key');
      // Kept for the tab (sessionStorage), not beyond it.
      expect(await page.evaluate('sessionStorage.getItem("lrsched.apiKey")')).toBe('lrs_example_read_key');
    } finally {
      await close();
    }
  });
});

async function streamText(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += chunk.toString();
  return text;
}
