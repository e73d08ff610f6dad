import { performance } from 'node:perf_hooks';

/** How the benchmarks print what they measured. */

export function heading(text: string): void {
  console.log(`\n== ${text}`);
}

export function line(label: string, value: string): void {
  console.log(`${label.padEnd(78)} ${value}`);
}

/** Runs `run` once to warm up, then `rounds` times; prints and answers the median in ms. */
export async function timeMedian(label: string, run: () => unknown, rounds = 5): Promise<number> {
  await run();
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = performance.now();
    await run();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  const median = samples[Math.floor(samples.length / 2)] as number;
  line(label, `median ${median.toFixed(1).padStart(8)} ms  (min ${samples[0]!.toFixed(1)}, max ${samples.at(-1)!.toFixed(1)})`);
  return median;
}

/** Answers how long `run` took, in ms. */
export async function elapsed(run: () => unknown): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}
