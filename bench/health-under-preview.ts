/**
 * Benchmark (`npx tsx bench/health-under-preview.ts`): the worst /healthz latency, and the
 * worst step latency of another session, while the largest legal previews run on the real
 * server process: the largest answer (10 groups × 100 000 OneCycleLR steps, 1 000 000
 * group-steps), the most work (an lr_lambda preview at MAX_PREVIEW_WORK) and the largest
 * body (100 000 reports with named metrics). Numbers are printed, not asserted.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { MAX_PREVIEW_WORK } from '../src/limits.js';
import { tempDir } from '../test/support/app.js';
import { fetchFromWorker, probeLatency } from '../test/support/latency-probe.js';
import { http, startServerProcess } from '../test/support/server-process.js';

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

const { dir, remove } = tempDir('lrsched-bench-');
const server = await startServerProcess(join(dir, 'bench.db'));
try {
  const session: { body: { id: string } } = await http(`${server.url}/v1/sessions`, 'POST', {
    param_groups: [{ lr: 0.1 }],
    scheduler: { type: 'CosineAnnealingLR', T_max: 1000 },
  });
  const quiet = probeLatency({ health: server.url });
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const idle = await quiet.stop();
  console.log(`${'idle service'.padEnd(84)} /healthz worst ${idle.worstMs.toFixed(1).padStart(6)} ms`);

  for (const [label, body] of Object.entries(previews)) {
    const payload = JSON.stringify(body);
    const health = probeLatency({ health: server.url });
    const steps = probeLatency({ steps: server.url, session: session.body.id });
    const start = performance.now();
    const response = await fetchFromWorker(`${server.url}/v1/preview`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: payload,
    });
    const previewMs = performance.now() - start;
    const [h, s] = await Promise.all([health.stop(), steps.stop()]);
    console.log(
      `${label.padEnd(84)} /healthz worst ${h.worstMs.toFixed(1).padStart(6)} ms (${h.requests} checks), ` +
        `steps worst ${s.worstMs.toFixed(1).padStart(6)} ms (${s.requests}); preview ${response.status} ` +
        `in ${previewMs.toFixed(0)} ms, ${(payload.length / 2 ** 20).toFixed(1)} MiB in, ${(response.bytes / 2 ** 20).toFixed(1)} MiB out`,
    );
    if (h.failures.length + s.failures.length > 0) console.log('  failures:', [...h.failures, ...s.failures].slice(0, 5));
  }
} finally {
  server.child.kill('SIGTERM');
  await server.exited;
  remove();
}
