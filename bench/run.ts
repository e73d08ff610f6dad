/**
 * npm run bench: every bench/*.ts in turn (this runner aside), each in its own process.
 * Servers a benchmark starts run on one core and its load on the other (bench/support/
 * processes.ts); figures are printed, never asserted, and compare only within one run.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { ensureBuilt, LOAD_CORE, pinned, ROOT, tsxScript } from './support/processes.js';

const load = () => loadavg().map((average) => average.toFixed(1)).join(' ');
const benchmarks = readdirSync(new URL('.', import.meta.url))
  .filter((file) => file.endsWith('.ts') && file !== 'run.ts')
  .sort();

console.log(`node ${process.version}, ${cpus().length} cores, load average ${load()}`);
console.log(`benchmarks: ${benchmarks.join(', ')}`);
ensureBuilt();
const start = performance.now();
const failed: string[] = [];
for (const file of benchmarks) {
  const [command, ...args] = pinned(LOAD_CORE, tsxScript(`bench/${file}`)) as [string, ...string[]];
  const run = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit' });
  if (run.status !== 0) failed.push(file);
}
console.log(`\n${((performance.now() - start) / 1000).toFixed(0)} s in all; load average now ${load()}`);
if (failed.length > 0) {
  console.error(`failed: ${failed.join(', ')}`);
  process.exitCode = 1;
}
