import { Worker } from 'node:worker_threads';

/** What a probe saw: how many requests it made, the slowest answer, and any that failed. */
export interface ProbeReport {
  readonly requests: number;
  readonly worstMs: number;
  readonly failures: readonly string[];
}

export interface LatencyProbe {
  stop(): Promise<ProbeReport>;
}

/**
 * What a probe sends again and again: GET /healthz as a load balancer would, the steps of
 * one session as a training job would (expected_step in order from the session's step,
 * taken from a 409 if one comes), or a control server's durable write (control-server.ts).
 */
export type ProbeTarget =
  | { readonly health: string }
  | { readonly steps: string; readonly session: string }
  | { readonly durable: string };

// Runs in the probe's own thread (plain JavaScript: workers get no TypeScript loader here).
const PROBE = `
const { parentPort, workerData } = require('node:worker_threads');
const { performance } = require('node:perf_hooks');
const target = workerData;
let step = 0;
async function request() {
  if (target.health) return (await fetch(target.health + '/healthz')).status;
  if (target.durable) return (await fetch(target.durable + '/durable')).status;
  const response = await fetch(target.steps + '/v1/sessions/' + target.session + '/step', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ metric: 0.5, expected_step: step }),
  });
  const body = await response.json();
  step = body.step ?? body.state?.step ?? step;
  return response.status;
}
let running = true;
parentPort.once('message', () => (running = false));
(async () => {
  // A session probed before has stepped on: start from where it is.
  if (target.steps) step = (await (await fetch(target.steps + '/v1/sessions/' + target.session)).json()).state.step;
  let requests = 0, worstMs = 0;
  const failures = [];
  while (running) {
    const start = performance.now();
    try {
      const status = await request();
      if (status !== 200) failures.push('status ' + status);
    } catch (error) {
      failures.push(String(error));
    }
    worstMs = Math.max(worstMs, performance.now() - start);
    requests += 1;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  parentPort.postMessage({ requests, worstMs, failures });
})();`;

/**
 * Sends requests to `target` one at a time, 5 ms apart, until stopped, timing each answer:
 * how long the service keeps someone waiting while something else runs. It runs on a
 * thread of its own, so that what the test itself does meanwhile (building a 14 MB body,
 * handling a thousand sockets) does not count as the service's delay.
 */
export function probeLatency(target: ProbeTarget): LatencyProbe {
  const worker = new Worker(PROBE, { eval: true, workerData: target });
  const report = new Promise<ProbeReport>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return {
    async stop() {
      worker.postMessage('stop');
      const result = await report;
      await worker.terminate();
      return result;
    },
  };
}

/**
 * A request made from a worker thread, so that sending or receiving tens of MiB does not
 * hold up this thread: its answer's status and size.
 */
export function fetchFromWorker(url: string, init: { method: string; body?: string; headers?: Record<string, string> }) {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    fetch(workerData.url, workerData.init)
      .then(async (response) => parentPort.postMessage({ status: response.status, bytes: (await response.arrayBuffer()).byteLength }))
      .catch((error) => parentPort.postMessage({ error: String(error) }));`;
  return new Promise<{ status: number; bytes: number }>((resolve, reject) => {
    const worker = new Worker(code, { eval: true, workerData: { url, init } });
    worker.once('message', (message: { status: number; bytes: number; error?: string }) => {
      void worker.terminate();
      if (message.error) reject(new Error(message.error));
      else resolve(message);
    });
    worker.once('error', reject);
  });
}
