import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { SessionStore, SessionWrites } from '../store/session-store.js';

/** How long one chunk of sweeping may hold the event loop: other requests wait at most about this. */
export const SWEEP_CHUNK_MS = 10;

/**
 * How much work fits in SWEEP_CHUNK_MS, learnt from how long the last chunk took: rows (and
 * pages) vary in size from bytes to megabytes, so no fixed count would do. It grows at most
 * twofold per chunk, so one slow chunk is never followed by a far slower one.
 */
class ChunkSize {
  private size = 16;
  private static readonly MAX = 100_000;

  /** Times `work`, a chunk of the current size, and adapts the size to it. */
  async timed<T>(work: (size: number) => Promise<T>): Promise<T> {
    const started = performance.now();
    const result = await work(this.size);
    const took = Math.max(performance.now() - started, 0.01);
    this.size = Math.max(1, Math.min(ChunkSize.MAX, Math.round(this.size * Math.min(2, SWEEP_CHUNK_MS / took))));
    return result;
  }
}

export interface SweeperEvents {
  /** A deleted session's history, its extremes and its row are gone (`rows`: history rows). */
  swept?(info: { seq: number; rows: number; ms: number }): void;
  /** Sweeping stopped on an error; the next wake() tries again. */
  failed(error: unknown): void;
}

/**
 * Removes what deleted sessions leave behind: their history extremes, then their history,
 * in chunks of about SWEEP_CHUNK_MS each, yielding to the event loop between chunks, then
 * their rows, then gives the freed pages back to the operating system the same way.
 * Sessions marked deleted are invisible already, so nothing waits for this; what it has not
 * finished when the process stops, it finishes after the next start. Replicas on
 * PostgreSQL each sweep: two on the same session delete each row once (the later chunk
 * finds fewer), which is harmless.
 */
export class DeletionSweeper {
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  // One size per kind of row: an extremes row is a few numbers, a history row may be megabytes.
  private readonly extremeRows = new ChunkSize();
  private readonly historyRows = new ChunkSize();
  private readonly pages = new ChunkSize();

  constructor(
    private readonly store: SessionStore,
    private readonly events: SweeperEvents,
  ) {}

  /** Starts sweeping unless it is under way; a sweep under way looks for more work before it ends. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.sweep()
      .catch((error: unknown) => this.events.failed(error))
      .finally(() => {
        this.running = undefined;
        if (this.again) this.wake();
      });
  }

  /** Stops after the chunk under way (chunks are transactions: none is left half done). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  /** Resolves once there is nothing left to sweep, or sweeping stopped (for whoever must know: tests, tools). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async sweep(): Promise<void> {
    for (;;) {
      this.again = false;
      const seq = await this.store.transaction((tx) => tx.oldestDeleted());
      if (seq === undefined) break;
      await this.sweepSession(seq);
      if (this.stopped) return;
    }
    await this.freePages();
  }

  private async sweepSession(seq: number): Promise<void> {
    const started = performance.now();
    await this.deleteInChunks(this.extremeRows, (tx, size) => tx.deleteExtremesChunk(seq, size));
    const rows = await this.deleteInChunks(this.historyRows, (tx, size) => tx.deleteHistoryChunk(seq, size));
    if (this.stopped) return;
    await this.store.transaction((tx) => tx.purgeDeleted(seq));
    this.events.swept?.({ seq, rows, ms: Math.round(performance.now() - started) });
  }

  /** Runs `deleteChunk` (one transaction each) until it deletes nothing or sweeping stops; answers the rows deleted. */
  private async deleteInChunks(sizes: ChunkSize, deleteChunk: (tx: SessionWrites, size: number) => Promise<number>): Promise<number> {
    let rows = 0;
    for (;;) {
      if (this.stopped) return rows;
      const deleted = await sizes.timed((size) => this.store.transaction((tx) => deleteChunk(tx, size)));
      rows += deleted;
      await nextTurn();
      if (deleted === 0) return rows;
    }
  }

  private async freePages(): Promise<void> {
    while (!this.stopped && (await this.pages.timed((size) => this.store.freePages(size))) > 0) await nextTurn();
  }
}
