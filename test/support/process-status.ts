import { readdirSync, readFileSync } from 'node:fs';

/**
 * A process as Linux's /proc shows it: resident memory, threads (the event loop's, V8's,
 * libuv's, and any worker's) and open file descriptors (sockets among them).
 */
export function processStatus(pid: number): { rssMiB: number; threads: number; openFiles: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1]);
  return {
    rssMiB: field('VmRSS') / 1024,
    threads: field('Threads'),
    openFiles: readdirSync(`/proc/${pid}/fd`).length,
  };
}
