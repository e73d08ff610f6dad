import { readFileSync } from 'node:fs';
import type autocannon from 'autocannon';

/** What the load generators print: autocannon's figures of one measured run. */
export interface LoadResult {
  readonly requestsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly requests: number;
  readonly non2xx: number;
  /** Connection errors and timeouts. */
  readonly errors: number;
  readonly seconds: number;
  /** The server's CPU time (every thread, user and system) over the measured run per request, in µs; absent where /proc is not. */
  readonly cpuMicrosPerRequest?: number;
}

export function summarize(result: autocannon.Result, cpuSeconds?: number): LoadResult {
  return {
    ...(cpuSeconds === undefined ? {} : { cpuMicrosPerRequest: (cpuSeconds * 1e6) / Math.max(result.requests.total, 1) }),
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    seconds: result.duration,
  };
}

/** ", 3 non-2xx, 1 errors" when there were any. */
export function trouble(result: LoadResult): string {
  return result.non2xx + result.errors > 0 ? `  (${result.non2xx} non-2xx, ${result.errors} errors)` : '';
}

/**
 * A process's CPU time so far, user and system, of all its threads (the fdatasyncs on libuv's
 * pool and the garbage collector's helpers too), in seconds, from /proc/<pid>/stat; undefined
 * where there is no /proc. Its ticks are 10 ms: over a run of seconds that is well under 1 %.
 */
export function cpuSecondsOf(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Fields after the command's name (which may hold spaces), in parentheses: utime and stime are the 14th and 15th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/** USER_HZ: 100 on every Linux build that matters (getconf CLK_TCK). */
const CLOCK_TICKS_PER_SECOND = 100;
