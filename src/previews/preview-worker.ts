import { Piscina } from 'piscina';
import { parentPort, workerData } from 'node:worker_threads';
import type { Caller } from '../access/caller.js';
import { AuditLog } from '../store/audit-log.js';
import { openReadOnlyDatabase } from '../store/database.js';
import { SessionStore } from '../store/session-store.js';
import { previewAnswer, type PreviewRefusal } from './preview-answer.js';

/** What every worker of a pool is started with. */
export interface PreviewWorkerData {
  /** The service's database, which previews read range tests from (read-only). */
  readonly databasePath: string;
}

/** One preview for a worker: the request's raw body, who asks (whose range tests it may name), and an id the pool knows it by. */
export interface PreviewTask {
  readonly id: number;
  readonly body: Uint8Array;
  readonly caller: Caller;
}

/** Says that the task has started, so the pool's deadline counts running time, not queueing. */
export interface PreviewStarted {
  readonly previewStarted: number;
}

// Opened with the worker's first preview, closed with the worker. It only reads (a preview
// stores nothing), so its audit log is never written to.
let store: SessionStore | undefined;

function readOnlyStore(): SessionStore {
  const db = openReadOnlyDatabase((workerData as PreviewWorkerData).databasePath);
  return new SessionStore(db, new AuditLog(db));
}

/**
 * The worker's entry point (piscina calls the default export): answers one preview, the
 * points arriving on the event loop's thread as a Uint8Array.
 */
export default function runPreview(task: PreviewTask): PreviewRefusal | ReturnType<typeof Piscina.move> {
  parentPort?.postMessage({ previewStarted: task.id } satisfies PreviewStarted);
  store ??= readOnlyStore();
  const answer = previewAnswer(task.body, task.caller, store);
  // The points' bytes move to the event loop's thread instead of being copied.
  return 'points' in answer ? Piscina.move(answer.points) : answer;
}
