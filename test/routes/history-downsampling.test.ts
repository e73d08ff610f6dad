import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_HISTORY_POINTS } from '../../src/limits.js';
import { chartBuckets, type StepRange } from '../../src/sessions/downsample-history.js';
import { openStore } from '../../src/store/open-store.js';
import { startListeningApp } from '../support/listening-app.js';
import { bumpyReports, cyclingSession, recordSession } from '../support/recorded-history.js';
import { http } from '../support/server-process.js';
import { createTestDatabase } from '../support/test-database.js';

/**
 * ?points= over a real listening server, checked against a brute-force computation over
 * the whole history as the paged route answers it: the first and last step, and in every
 * bucket the earliest entry holding each series' lowest and highest value.
 */

interface Entry {
  step: number;
  report: { metric?: number | string; metrics?: Record<string, number | string> } | null;
  state: { lrs: (number | string)[] };
}

const LONG = 100_000;
const SHORT = 5_000;
/** Each test reads whole histories over HTTP: seconds alone, longer beside the rest of the suite. */
const READS = 120_000;

let url: string;
let close: () => Promise<void>;
let longId: string;
let shortId: string;
let removeDatabase: () => Promise<void>;
let longHistory: Entry[];

async function fullHistory(id: string): Promise<Entry[]> {
  const entries: Entry[] = [];
  let cursor: string | null = null;
  do {
    const page = await http(`${url}/v1/sessions/${id}/history?limit=1000${cursor ? `&cursor=${cursor}` : ''}`, 'GET');
    expect(page.status).toBe(200);
    entries.push(...page.body.items);
    cursor = page.body.next_cursor;
  } while (cursor !== null);
  return entries;
}

/** Every plotted value of an entry: each group's lr, the metric, each named metric; NaN plots nothing. */
function plotted(entry: Entry): [string, number][] {
  const values: [string, number | string][] = entry.state.lrs.map((lr, group) => [`lrs.${group}`, lr]);
  if (entry.report?.metric !== undefined) values.push(['metric', entry.report.metric]);
  for (const [name, value] of Object.entries(entry.report?.metrics ?? {})) values.push([`metrics.${name}`, value]);
  return values.map(([series, value]): [string, number] => [series, Number(value)]).filter(([, value]) => !Number.isNaN(value));
}

/** The steps a chart of `range` with at most `points` entries must show, by brute force over `history`. */
function expectedSteps(history: Entry[], range: StepRange, points: number): number[] {
  const inRange = history.filter((entry) => entry.step >= range.first && entry.step <= range.last);
  if (inRange.length <= points) return inRange.map((entry) => entry.step);
  const series = new Set(inRange.flatMap((entry) => plotted(entry).map(([name]) => name)));
  const { buckets } = chartBuckets(range, Math.floor((points - 2) / (2 * series.size)));
  const chosen = new Set([range.first, range.last]);
  for (const bucket of buckets) {
    const lowest = new Map<string, [number, number]>();
    const highest = new Map<string, [number, number]>();
    for (const entry of inRange.filter((e) => e.step >= bucket.first && e.step <= bucket.last)) {
      for (const [name, value] of plotted(entry)) {
        // Strictly lower or higher only: on a tie the earlier step stays.
        if (!lowest.has(name) || value < lowest.get(name)![1]) lowest.set(name, [entry.step, value]);
        if (!highest.has(name) || value > highest.get(name)![1]) highest.set(name, [entry.step, value]);
      }
    }
    for (const [step] of [...lowest.values(), ...highest.values()]) chosen.add(step);
  }
  return [...chosen].sort((a, b) => a - b);
}

async function downsampled(id: string, query: string): Promise<Entry[]> {
  const answer = await http(`${url}/v1/sessions/${id}/history?${query}`, 'GET');
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  expect(answer.body.next_cursor).toBeNull();
  return answer.body.items;
}

/** The answer is exactly the brute-force steps, each entry as the paged history has it. */
function expectChart(answer: Entry[], history: Entry[], range: StepRange, points: number): void {
  const expected = expectedSteps(history, range, points);
  expect(answer.length).toBeLessThanOrEqual(points);
  expect(answer.map((entry) => entry.step)).toEqual(expected);
  const byStep = new Map(history.map((entry) => [entry.step, entry]));
  for (const entry of answer) expect(entry).toEqual(byStep.get(entry.step));
}

beforeAll(async () => {
  const database = await createTestDatabase();
  removeDatabase = () => database.remove();
  const store = await openStore(database.options);
  longId = await recordSession(store, cyclingSession, LONG, bumpyReports(11));
  shortId = await recordSession(store, cyclingSession, SHORT, bumpyReports(12));
  await store.close();
  ({ url, close } = await startListeningApp({ database: database.options }));
  longHistory = await fullHistory(longId);
}, 300_000);

afterAll(async () => {
  await close();
  await removeDatabase();
});

describe('GET /v1/sessions/:id/history?points=', () => {
  it(`keeps the first, the last and every bucket's extremes of a ${LONG}-step session`, async () => {
    expect(longHistory).toHaveLength(LONG + 1);
    const answer = await downsampled(longId, 'points=500');
    expectChart(answer, longHistory, { first: 0, last: LONG }, 500);
    // The metric's infinities are its extremes wherever they occur; NaN is never one.
    const metrics = answer.map((entry) => entry.report?.metric);
    const infinities = longHistory.filter((e) => e.report?.metric === 'Infinity' || e.report?.metric === '-Infinity');
    expect(infinities.length).toBeGreaterThan(5);
    expect(metrics).toContain('Infinity');
    expect(metrics).toContain('-Infinity');
  }, READS);

  it('zooms with from_step and to_step', async () => {
    for (const [query, range, points] of [
      ['points=500&from_step=31337&to_step=64000', { first: 31_337, last: 64_000 }, 500],
      ['points=100&from_step=777&to_step=1200', { first: 777, last: 1_200 }, 100],
      // Buckets of single steps, and buckets of blocks of 4096 and 65536 steps.
      [`points=${MAX_HISTORY_POINTS}&from_step=50000&to_step=53000`, { first: 50_000, last: 53_000 }, MAX_HISTORY_POINTS],
      ['points=40', { first: 0, last: LONG }, 40],
      ['points=12&from_step=3', { first: 3, last: LONG }, 12],
      [`points=${MAX_HISTORY_POINTS}&from_step=12`, { first: 12, last: LONG }, MAX_HISTORY_POINTS],
      // to_step past the end is the end; a range that fits is answered whole.
      ['points=300&from_step=99800&to_step=5000000', { first: 99_800, last: LONG }, 300],
    ] as const) {
      expectChart(await downsampled(longId, query), longHistory, range, points);
    }
    expect(await downsampled(longId, `points=500&from_step=${LONG + 1}`)).toEqual([]);
    expect((await downsampled(longId, 'points=500&from_step=4000&to_step=4000')).map((e) => e.step)).toEqual([4000]);
  }, READS);

  it('stays exact after a rewind into the middle of a block and steps over HTTP', async () => {
    const rewound = await http(`${url}/v1/sessions/${shortId}/rewind`, 'POST', { to_step: 2_345 });
    expect(rewound.status).toBe(200);
    for (let step = 2_345; step < 3_100; step++) {
      // A new all-time high and low after the rewind, where the dropped steps had their own.
      const metric = step === 2_900 ? 1e6 : step === 3_000 ? -1e6 : 0.5;
      const answer = await http(`${url}/v1/sessions/${shortId}/step`, 'POST', { metric, expected_step: step });
      expect(answer.status).toBe(200);
    }
    const history = await fullHistory(shortId);
    expect(history.at(-1)!.step).toBe(3_100);
    for (const [query, range, points] of [
      ['points=200', { first: 0, last: 3_100 }, 200],
      ['points=60&from_step=2000', { first: 2_000, last: 3_100 }, 60],
    ] as const) {
      const answer = await downsampled(shortId, query);
      expectChart(answer, history, range, points);
    }
    const metrics = (await downsampled(shortId, 'points=200')).map((entry) => entry.report?.metric);
    expect(metrics).toEqual(expect.arrayContaining([1e6, -1e6]));
  }, READS);

  it('answers a clear 400 naming the field for a query it cannot answer', async () => {
    for (const [query, path] of [
      ['from_step=5', 'from_step'],
      ['to_step=5', 'to_step'],
      ['points=500&limit=10', 'limit'],
      ['points=500&cursor=abc', 'cursor'],
      ['points=500&from_step=10&to_step=9', 'from_step'],
      ['points=3', 'points'],
      [`points=${MAX_HISTORY_POINTS + 1}`, 'points'],
      ['points=many', 'points'],
      ['points=500&from_step=-1', 'from_step'],
      // Five series (two lrs, metric, grad_norm, val_acc) need 2 + 2 × 5 entries.
      ['points=11', 'points'],
    ] as const) {
      const answer = await http(`${url}/v1/sessions/${longId}/history?${query}`, 'GET');
      expect(answer.status, query).toBe(400);
      expect(answer.body.errors.map((e: { path: string }) => e.path), query).toContain(path);
    }
    const unknown = await http(`${url}/v1/sessions/nope/history?points=500`, 'GET');
    expect(unknown.status).toBe(404);
  });
});
