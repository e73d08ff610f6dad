/**
 * Benchmark (`npx tsx bench/health-under-preview.ts`): the worst /healthz latency, and the
 * worst step latency of another session, while the largest legal previews run on the real
 * server process: the largest answer (10 groups × 100 000 OneCycleLR steps, 1 000 000
 * group-steps), the most work (an lr_lambda preview at MAX_PREVIEW_WORK) and the largest
 * body (100 000 reports with named metrics). Beside each, the worst answer of an idle
 * control process probed at the same time: what the machine itself adds. Numbers are
 * printed, not asserted.
 */
import { performance } from 'node:perf_hooks';
import { MAX_PREVIEW_WORK } from '../src/limits.js';
import { fetchFromWorker } from '../test/support/latency-probe.js';
import { startObservedServer } from '../test/support/observed-server.js';
import { http } from '../test/support/server-process.js';

const groups = Array.from({ length: 10 }, (_, i) => ({ lr: 0.1 / (i + 1), momentum: 0.9 }));
// About 2.6 work units per group and step (cos and ** count 16 operations each): 10 groups
// × 100 000 steps stay within MAX_PREVIEW_WORK.
const warmupCosine = '(epoch + 1) / 1000 if epoch < 1000 else 0.5 * (1 + cos(pi * (epoch - 1000) / 99000)) ** 1.5';

const previews = {
  'largest answer: OneCycleLR, 10 groups × 100000 steps': {
    param_groups: groups,
    scheduler: { type: 'OneCycleLR', max_lr: 0.1, total_steps: 100_000 },
    steps: 100_000,
  },
  [`most work: LambdaLR warmup + cosine, 10 groups × 100000 steps (≤ ${MAX_PREVIEW_WORK} units)`]: {
    param_groups: groups,
    scheduler: { type: 'LambdaLR', lr_lambda: warmupCosine },
    steps: 100_000,
  },
  'largest body: ReduceLROnPlateau, 100000 reports with 4 named metrics': {
    param_groups: groups,
    scheduler: { type: 'ReduceLROnPlateau', patience: 3 },
    reports: Array.from({ length: 100_000 }, (_, i) => ({
      metric: 1 / (1 + (i % 50)),
      metrics: Object.fromEntries(Array.from({ length: 4 }, (_, m) => [`metric_${m}`, i / (m + 1)])),
    })),
  },
};

const observed = await startObservedServer();
try {
  const session: { body: { id: string } } = await http(`${observed.url}/v1/sessions`, 'POST', {
    param_groups: [{ lr: 0.1 }],
    scheduler: { type: 'CosineAnnealingLR', T_max: 1000 },
  });
  const quiet = observed.probe();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const idle = await quiet.stop();
  console.log(
    `${'idle service'.padEnd(84)} /healthz worst ${idle.worstMs.toFixed(1).padStart(6)} ms ` +
      `(an idle control process at the same time: ${idle.controlMs.toFixed(1)} ms)`,
  );

  for (const [label, body] of Object.entries(previews)) {
    const payload = JSON.stringify(body);
    const health = observed.probe();
    const steps = observed.probe({ steps: observed.url, session: session.body.id });
    const start = performance.now();
    const response = await fetchFromWorker(`${observed.url}/v1/preview`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: payload,
    });
    const previewMs = performance.now() - start;
    const [h, s] = await Promise.all([health.stop(), steps.stop()]);
    console.log(
      `${label.padEnd(84)} /healthz worst ${h.worstMs.toFixed(1).padStart(6)} ms (${h.requests} checks), ` +
        `steps worst ${s.worstMs.toFixed(1).padStart(6)} ms (${s.requests}), control ${h.controlMs.toFixed(1)} ms; ` +
        `preview ${response.status} in ${previewMs.toFixed(0)} ms, ${(payload.length / 2 ** 20).toFixed(1)} MiB in, ` +
        `${(response.bytes / 2 ** 20).toFixed(1)} MiB out, server peak RSS ${observed.peak().rssMiB.toFixed(0)} MiB`,
    );
    if (h.failures.length + s.failures.length > 0) console.log('  failures:', [...h.failures, ...s.failures].slice(0, 5));
  }
} finally {
  observed.stop();
}
