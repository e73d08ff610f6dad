import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { Caller } from '../access/caller.js';
import { ProblemError } from '../api/problem.js';
import { atMost, PREVIEW_DEADLINE_MS, PREVIEW_QUEUE, PREVIEW_THREADS, PREVIEW_WORKER_HEAP_MIB } from '../limits.js';
import type { RangeTestLookup } from '../sessions/range-test-references.js';
import type { PreviewRefusal } from './preview-answer.js';
import type { PreviewStarted, PreviewTask, RangeTestAnswer, RangeTestQuestion } from './preview-worker.js';

/**
 * Where the worker's code is, and how a thread loads it. Built (dist/), the worker is the
 * compiled preview-worker.js beside this file. From the TypeScript sources (tsx, vitest),
 * it is preview-worker.ts, which plain Node cannot load: the thread then imports tsx's
 * loader first, resolved from here so that it does not depend on the working directory.
 */
function workerModule(): { filename: string; execArgv: string[] } {
  const fromSources = import.meta.url.endsWith('.ts');
  const filename = new URL(`./preview-worker.${fromSources ? 'ts' : 'js'}`, import.meta.url).href;
  if (!fromSources) return { filename, execArgv: [] };
  const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return { filename, execArgv: ['--import', tsxLoader] };
}

export interface PreviewPoolOptions {
  /**
   * What a range test a preview names suggests, as the caller sees it: workers ask this,
   * on the event loop's thread, through the service's store (either kind of database).
   */
  readonly lookUpRangeTest: (caller: Caller, session: string) => Promise<RangeTestLookup>;
  /** Running time a preview may take before its worker is stopped (default PREVIEW_DEADLINE_MS). */
  readonly deadlineMs?: number | undefined;
}

/**
 * Previews run on worker threads (piscina), so that the largest legal preview, seconds of
 * CPU, never holds up /healthz or another session's step. Each has a deadline on its
 * running time: past it the worker thread is terminated (piscina does that to a running
 * task whose signal aborts) and the answer is a 422. A preview that cannot start within
 * the deadline because every worker is busy, or that finds the queue full, is a 503 with
 * Retry-After.
 */
export class PreviewPool {
  private readonly pool: Piscina<PreviewTask, Uint8Array | PreviewRefusal>;
  private readonly deadlineMs: number;
  private readonly lookUpRangeTest: PreviewPoolOptions['lookUpRangeTest'];
  private readonly onStart = new Map<number, () => void>();
  private nextId = 0;

  constructor(options: PreviewPoolOptions) {
    this.deadlineMs = options.deadlineMs ?? PREVIEW_DEADLINE_MS;
    this.lookUpRangeTest = options.lookUpRangeTest;
    this.pool = new Piscina({
      ...workerModule(),
      // Threads start on demand and end when idle: an idle service holds no worker heaps.
      minThreads: 0,
      maxThreads: PREVIEW_THREADS,
      maxQueue: PREVIEW_QUEUE,
      idleTimeout: 30_000,
      resourceLimits: { maxOldGenerationSizeMb: PREVIEW_WORKER_HEAP_MIB },
      // Below the event loop's priority (piscina applies it with @napi-rs/nice, per thread).
      niceIncrement: 10,
    });
    this.pool.on('message', (message: Partial<PreviewStarted>) => {
      if (typeof message?.previewStarted === 'number') this.onStart.get(message.previewStarted)?.();
    });
  }

  /** Threads alive now (tests check that a stopped preview leaves none running). */
  get threadCount(): number {
    return this.pool.threads.length;
  }

  /**
   * The preview's points as UTF-8 JSON. Throws ProblemError: the preview's own refusals,
   * 422 past the deadline, 503 busy; or what failed while looking a range test up (a
   * database that is down).
   */
  async run(body: Buffer, caller: Caller): Promise<Uint8Array> {
    const id = this.nextId++;
    const controller = new AbortController();
    let outcome: 'busy' | 'deadline' | undefined;
    const stop = (why: 'busy' | 'deadline') => {
      outcome = why;
      controller.abort();
    };
    // Until the task starts, the timer stands for a pool too busy to take it; then for its deadline.
    let timer = setTimeout(() => stop('busy'), this.deadlineMs);
    this.onStart.set(id, () => {
      clearTimeout(timer);
      timer = setTimeout(() => stop('deadline'), this.deadlineMs);
    });
    // A body that owns its whole memory moves to the worker; a slice of a shared pool is copied.
    const ownsBuffer = body.byteOffset === 0 && body.byteLength === body.buffer.byteLength;
    const rangeTests = new MessageChannel();
    let lookupFailed: { error: unknown } | undefined;
    rangeTests.port1.on('message', ({ question, session }: RangeTestQuestion) => {
      const answer = (reply: RangeTestAnswer) => rangeTests.port1.postMessage(reply);
      this.lookUpRangeTest(caller, session).then(
        (lookup) => answer({ question, lookup }),
        (error: unknown) => {
          lookupFailed ??= { error };
          answer({ question, failed: true });
        },
      );
    });
    const task: PreviewTask = { id, body: ownsBuffer ? body : new Uint8Array(body), rangeTests: rangeTests.port2 };
    try {
      const answer = await this.pool.run(task, {
        signal: controller.signal,
        transferList: [rangeTests.port2, ...(ownsBuffer ? [body.buffer as ArrayBuffer] : [])],
      });
      if (answer instanceof Uint8Array) return answer;
      throw ProblemError.of(answer.problem);
    } catch (error) {
      // The worker gave up because a lookup failed: the failure itself is the answer.
      throw lookupFailed ? lookupFailed.error : this.refusal(error, outcome);
    } finally {
      clearTimeout(timer);
      this.onStart.delete(id);
      rangeTests.port1.close();
    }
  }

  private refusal(error: unknown, outcome: 'busy' | 'deadline' | undefined): unknown {
    if (error instanceof ProblemError) return error;
    if (outcome === 'deadline') {
      const message = `the preview ran longer than ${this.deadlineMs} ms (PREVIEW_DEADLINE_MS) and was stopped: preview fewer steps or groups`;
      return new ProblemError('work-limit-exceeded', message, { limit: 'PREVIEW_DEADLINE_MS' });
    }
    if (outcome === 'busy' || (error instanceof Error && /queue is at limit/i.test(error.message))) {
      const message = 'every preview worker is busy and the queue (PREVIEW_QUEUE) is full: try again shortly';
      return new ProblemError('previews-busy', message);
    }
    if (error instanceof Error && 'code' in error && error.code === 'ERR_WORKER_OUT_OF_MEMORY') {
      const message = `the preview needed more memory than its worker has: MiB ${atMost('PREVIEW_WORKER_HEAP_MIB', PREVIEW_WORKER_HEAP_MIB)}`;
      return new ProblemError('work-limit-exceeded', message, { limit: 'PREVIEW_WORKER_HEAP_MIB' });
    }
    return error;
  }

  /** Stops every worker, running or idle. */
  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
