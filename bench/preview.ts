/**
 * 100 000-step previews (OneCycleLR, an lr_lambda expression, ReduceLROnPlateau) through
 * HTTP (in-process) and the pure core.
 */
import { buildApp } from '../src/app.js';
import { schedulerConfig } from '../src/schedulers/registry.js';
import { previewSchedule } from '../src/schedulers/schedule.js';
import { heading, timeMedian } from './support/report.js';

const oneCycle = { type: 'OneCycleLR', max_lr: 0.1, total_steps: 100_000 };
const groups = [{ lr: 0.1, momentum: 0.9 }];

// Previews store nothing: an in-memory database will do.
const app = await buildApp({ database: { kind: 'sqlite', path: ':memory:' } });
await app.ready();

/** POSTs through the app; anything but a success stops the benchmark. */
async function post(url: string, payload: object): Promise<string> {
  const response = await app.inject({ method: 'POST', url, payload });
  if (response.statusCode >= 300) throw new Error(response.body);
  return response.body;
}

try {
  heading('Previews');
  await timeMedian('core: previewSchedule OneCycleLR, 100000 steps', () =>
    previewSchedule(schedulerConfig.parse(oneCycle), groups, Array.from({ length: 100_000 }, () => ({}))),
  );

  await timeMedian('HTTP: POST /v1/preview OneCycleLR, 100000 steps', () =>
    post('/v1/preview', { param_groups: groups, scheduler: oneCycle, steps: 100_000 }),
  );

  // Every step evaluates the expression, with cos and ** from the correctly rounded libm.
  const warmupCosine = '(epoch + 1) / 1000 if epoch < 1000 else 0.5 * (1 + cos(pi * (epoch - 1000) / 99000)) ** 1.5';
  await timeMedian('HTTP: POST /v1/preview LambdaLR (warmup + cosine expression), 100000 steps', () =>
    post('/v1/preview', { param_groups: groups, scheduler: { type: 'LambdaLR', lr_lambda: warmupCosine }, steps: 100_000 }),
  );

  await timeMedian('HTTP: POST /v1/preview ReduceLROnPlateau, 100000 reports', () =>
    post('/v1/preview', {
      param_groups: groups,
      scheduler: { type: 'ReduceLROnPlateau', patience: 3 },
      reports: Array.from({ length: 100_000 }, (_, i) => ({ metric: 1 / (1 + (i % 50)) })),
    }),
  );
} finally {
  await app.close();
}
