import { Piscina } from 'piscina';
import { parentPort, type MessagePort } from 'node:worker_threads';
import type { RangeTestLookup } from '../sessions/range-test-references.js';
import { previewAnswer, type PreviewRefusal } from './preview-answer.js';

/**
 * One preview for a worker: the request's raw body, an id the pool knows it by, and the
 * port through which it asks the event loop's thread for the range tests it names (the
 * worker has no database connection: the service's store answers, as the caller sees it).
 */
export interface PreviewTask {
  readonly id: number;
  readonly body: Uint8Array;
  readonly rangeTests: MessagePort;
}

/** Says that the task has started, so the pool's deadline counts running time, not queueing. */
export interface PreviewStarted {
  readonly previewStarted: number;
}

/** A worker's question on a task's port: what does the range test of this session suggest? */
export interface RangeTestQuestion {
  readonly question: number;
  readonly session: string;
}

/** The answer: the lookup, or that it failed (the pool then answers with what failed, e.g. a database that is down). */
export type RangeTestAnswer = { readonly question: number } & ({ readonly lookup: RangeTestLookup } | { readonly failed: true });

/** Asks the event loop's thread over `port`, one question per reference. */
function lookUpsOver(port: MessagePort): (session: string) => Promise<RangeTestLookup> {
  const waiting = new Map<number, (answer: RangeTestAnswer) => void>();
  port.on('message', (answer: RangeTestAnswer) => waiting.get(answer.question)?.(answer));
  let next = 0;
  return (session) =>
    new Promise((resolve, reject) => {
      const question = next++;
      waiting.set(question, (answer) => {
        waiting.delete(question);
        if ('lookup' in answer) resolve(answer.lookup);
        else reject(new Error(`looking up range test ${session} failed`));
      });
      port.postMessage({ question, session } satisfies RangeTestQuestion);
    });
}

/**
 * The worker's entry point (piscina calls the default export): answers one preview, the
 * points arriving on the event loop's thread as a Uint8Array.
 */
export default async function runPreview(task: PreviewTask): Promise<PreviewRefusal | ReturnType<typeof Piscina.move>> {
  parentPort?.postMessage({ previewStarted: task.id } satisfies PreviewStarted);
  try {
    const answer = await previewAnswer(task.body, lookUpsOver(task.rangeTests));
    // The points' bytes move to the event loop's thread instead of being copied.
    return 'points' in answer ? Piscina.move(answer.points) : answer;
  } finally {
    task.rangeTests.close();
  }
}
