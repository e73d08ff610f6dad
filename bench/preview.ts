/**
 * Benchmarks (`npm run bench`): 100000-step previews (OneCycleLR, an lr_lambda
 * expression, ReduceLROnPlateau) through HTTP and the pure core, and the step route's
 * throughput on a real SQLite file.
 * Numbers are printed, not asserted: timing belongs here, not in tests.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildApp } from '../src/app.js';
import { schedulerConfig } from '../src/schedulers/registry.js';
import { previewSchedule } from '../src/schedulers/schedule.js';

const ROUNDS = 5;

async function time(label: string, run: () => unknown): Promise<void> {
  await run(); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const start = performance.now();
    await run();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  const median = samples[Math.floor(samples.length / 2)] as number;
  console.log(`${label.padEnd(74)} median ${median.toFixed(1).padStart(8)} ms  (min ${samples[0]!.toFixed(1)}, max ${samples.at(-1)!.toFixed(1)})`);
}

const oneCycle = { type: 'OneCycleLR', max_lr: 0.1, total_steps: 100_000 };
const groups = [{ lr: 0.1, momentum: 0.9 }];

const dir = mkdtempSync(join(tmpdir(), 'lrsched-bench-'));
const app = await buildApp({ databasePath: join(dir, 'bench.db') });
await app.ready();

/** POSTs through the app; anything but a success stops the benchmark. */
async function post(url: string, payload: object): Promise<string> {
  const response = await app.inject({ method: 'POST', url, payload });
  if (response.statusCode >= 300) throw new Error(response.body);
  return response.body;
}

try {
  await time('core: previewSchedule OneCycleLR, 100000 steps', () =>
    previewSchedule(schedulerConfig.parse(oneCycle), groups, Array.from({ length: 100_000 }, () => ({}))),
  );

  await time('HTTP: POST /v1/preview OneCycleLR, 100000 steps', () =>
    post('/v1/preview', { param_groups: groups, scheduler: oneCycle, steps: 100_000 }),
  );

  // Every step evaluates the expression, with cos and ** from the correctly rounded libm.
  const warmupCosine = '(epoch + 1) / 1000 if epoch < 1000 else 0.5 * (1 + cos(pi * (epoch - 1000) / 99000)) ** 1.5';
  await time('HTTP: POST /v1/preview LambdaLR (warmup + cosine expression), 100000 steps', () =>
    post('/v1/preview', { param_groups: groups, scheduler: { type: 'LambdaLR', lr_lambda: warmupCosine }, steps: 100_000 }),
  );

  await time('HTTP: POST /v1/preview ReduceLROnPlateau, 100000 reports', () =>
    post('/v1/preview', {
      param_groups: groups,
      scheduler: { type: 'ReduceLROnPlateau', patience: 3 },
      reports: Array.from({ length: 100_000 }, (_, i) => ({ metric: 1 / (1 + (i % 50)) })),
    }),
  );

  const created = await post('/v1/sessions', { param_groups: groups, scheduler: { type: 'CosineAnnealingLR', T_max: 100 } });
  const id = (JSON.parse(created) as { id: string }).id;
  let step = 0;
  const STEPS = 500;
  await time(`HTTP: ${STEPS} sequential steps with expected_step (SQLite, synchronous=FULL)`, async () => {
    for (let i = 0; i < STEPS; i++) {
      await post(`/v1/sessions/${id}/step`, { metric: 0.5, expected_step: step });
      step += 1;
    }
  });
} finally {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
}
