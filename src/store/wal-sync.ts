import { close, fdatasync, open } from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { DatabaseUnavailable } from './errors.js';

/** Flushes one open file to the disk: fs.fdatasync's shape (tests wrap the real one to watch or hold it). */
export type SyncFile = (fd: number, done: (error: NodeJS.ErrnoException | null) => void) => void;

const openFile = promisify(open);
const closeFile = promisify(close);

/**
 * Makes an SQLite WAL file durable off the main thread, one fdatasync at a time, and tells
 * when everything committed before a given moment has reached the disk.
 *
 * The connection runs with synchronous=NORMAL, where SQLite itself syncs the WAL only
 * before a checkpoint; what synchronous=FULL would add, an fsync of the WAL after each
 * commit, is done here instead, on libuv's thread pool, so the main thread goes on with
 * the next requests meanwhile. Linux flushes a file's data through any descriptor of it,
 * and the WAL keeps its inode while the connection is open (SQLite deletes it only when
 * the last connection closes), so syncing a descriptor of our own is syncing SQLite's.
 * The first sync also syncs the folder, as SQLite does after creating a WAL file, so the
 * file's name survives a power loss too.
 *
 * `committed()` counts the commits; `durable()` answers once a sync that began after all
 * of them has finished. Commits made while a sync runs wait for the next one, which covers
 * them all: one sync for however many commits arrived meanwhile.
 *
 * A failed sync leaves it unknown what the disk holds (the kernel may have dropped the
 * pages it could not write), so the store stops: that sync's waiters and every later call
 * fail with DatabaseUnavailable, and readiness reports the database unavailable until the
 * process is restarted and SQLite recovers the file.
 */
export class WalSync {
  private commits = 0;
  private durableCommits = 0;
  private syncing = false;
  private waiters: { readonly commits: number; readonly resolve: () => void; readonly reject: (error: unknown) => void }[] = [];
  private fd: number | undefined;
  private failedWith: DatabaseUnavailable | undefined;
  private idle: Promise<void> = Promise.resolve();
  private settleIdle: () => void = () => undefined;

  /** `walPath` undefined: nothing to sync (an in-memory database), every commit is as durable as it gets. */
  constructor(
    private readonly walPath: string | undefined,
    private readonly syncFile: SyncFile = fdatasync,
  ) {}

  /** Set once a sync has failed: the store refuses all work from then on. */
  get failure(): DatabaseUnavailable | undefined {
    return this.failedWith;
  }

  /** Counts a commit that changed the database; call it right after its COMMIT returned. */
  committed(): void {
    if (this.walPath !== undefined) this.commits += 1;
  }

  /** Resolves once every commit counted so far is on the disk. */
  durable(): Promise<void> {
    if (this.failedWith) return Promise.reject(this.failedWith);
    if (this.durableCommits >= this.commits) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiters.push({ commits: this.commits, resolve, reject });
      if (!this.syncing) void this.sync();
    });
  }

  /** Waits for a sync still running, then closes the descriptor. */
  async close(): Promise<void> {
    await this.idle;
    if (this.fd !== undefined) await closeFile(this.fd);
    this.fd = undefined;
  }

  private async sync(): Promise<void> {
    this.syncing = true;
    this.idle = new Promise((resolve) => (this.settleIdle = resolve));
    try {
      while (this.waiters.length > 0 && !this.failedWith) {
        // Everything counted up to here was committed before this sync begins.
        const covered = this.commits;
        try {
          await this.flush();
        } catch (error) {
          this.failedWith = new DatabaseUnavailable({ cause: error });
          for (const waiter of this.waiters.splice(0)) waiter.reject(this.failedWith);
          return;
        }
        this.durableCommits = covered;
        const waiting = this.waiters;
        this.waiters = waiting.filter((waiter) => waiter.commits > covered);
        for (const waiter of waiting) if (waiter.commits <= covered) waiter.resolve();
      }
    } finally {
      this.syncing = false;
      this.settleIdle();
    }
  }

  private async flush(): Promise<void> {
    const walPath = this.walPath as string;
    if (this.fd === undefined) {
      const folder = await openFile(dirname(walPath), 'r');
      try {
        await this.syncDescriptor(folder);
      } finally {
        await closeFile(folder);
      }
      this.fd = await openFile(walPath, 'r+');
    }
    await this.syncDescriptor(this.fd);
  }

  private syncDescriptor(fd: number): Promise<void> {
    return new Promise((resolve, reject) => this.syncFile(fd, (error) => (error ? reject(error) : resolve())));
  }
}
