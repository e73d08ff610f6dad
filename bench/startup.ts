/**
 * Restarting: how long from `npm start` (dist/ already current) and from `node dist/server.js`
 * until /healthz answers 200, on an existing database.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ensureBuilt, freePort, pinned, ROOT, SERVER_CORE } from './support/processes.js';
import { heading, line } from './support/report.js';
import { benchDirectory } from './support/temporary.js';

const ROUNDS = 5;

/** Milliseconds from spawning `argv` until /healthz answers 200; then stops it (its whole process group). */
async function timeToServe(argv: string[], databasePath: string): Promise<number> {
  const port = await freePort();
  const [command, ...args] = pinned(SERVER_CORE, argv) as [string, ...string[]];
  const start = performance.now();
  // Its own process group: npm start runs the server in a shell under npm.
  const child = spawn(command, args, {
    cwd: ROOT,
    detached: true,
    stdio: 'ignore',
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATABASE_PATH: databasePath, LOG_LEVEL: 'warn' },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    for (;;) {
      const healthy = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (answer) => answer.ok,
        () => false,
      );
      if (healthy) return performance.now() - start;
      if (performance.now() - start > 60_000) throw new Error(`${argv.join(' ')} did not serve within 60 s`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  } finally {
    process.kill(-child.pid!, 'SIGTERM');
    await exited;
  }
}

ensureBuilt();
const dir = benchDirectory();
try {
  heading('Start-up: from spawning to the first 200 on /healthz (dist/ current, database existing)');
  const databasePath = join(dir.path, 'startup.db');
  for (const argv of [['npm', 'start', '--silent'], [process.execPath, 'dist/server.js']]) {
    const samples: number[] = [];
    for (let i = 0; i < ROUNDS; i++) samples.push(await timeToServe(argv, databasePath));
    samples.sort((a, b) => a - b);
    const median = samples[Math.floor(ROUNDS / 2)] as number;
    line(argv.join(' ').replace(process.execPath, 'node'), `median ${median.toFixed(0)} ms  (min ${samples[0]!.toFixed(0)}, max ${samples.at(-1)!.toFixed(0)})`);
  }
} finally {
  dir.remove();
}
