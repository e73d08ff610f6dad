import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';

/** Starting, pinning and stopping the processes a benchmark measures. */

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The server under test runs on core 0 and the load generator on core 1, so neither
 * steals the other's CPU; with one core, or without util-linux's taskset, nothing is pinned.
 */
export const SERVER_CORE = 0;
export const LOAD_CORE = 1;
export const PINNING =
  // All the machine's cores, not availableParallelism(): the runner may have pinned this process to one.
  cpus().length >= 2 && spawnSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' }).status === 0;

export function pinned(core: number, argv: readonly string[]): string[] {
  return PINNING ? ['taskset', '-c', String(core), ...argv] : [...argv];
}

/** `node --import tsx <script>`: a TypeScript script of this repo as its own process. */
export const tsxScript = (script: string): string[] => [process.execPath, '--import', 'tsx', script];

/** Compiles dist/ if the sources changed since it was built (what npm start does). */
export function ensureBuilt(): void {
  const run = spawnSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { cwd: ROOT, stdio: 'inherit' });
  if (run.status !== 0) throw new Error('building dist/ failed');
}

/** A free TCP port on 127.0.0.1 (for servers that print no address at the log level we run them with). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface Running {
  readonly url: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `argv` with PORT set and waits until GET /healthz answers 200. */
export async function startServer(argv: readonly string[], env: Record<string, string> = {}): Promise<Running> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const [command, ...args] = argv as [string, ...string[]];
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let failed = false;
  void exited.then(() => (failed = true));
  for (const started = Date.now(); ; ) {
    if (failed) throw new Error(`${argv.join(' ')} exited before it served`);
    if (Date.now() - started > 60_000) throw new Error(`${argv.join(' ')} did not serve within 60 s`);
    const healthy = await fetch(`${url}/healthz`).then(
      (answer) => answer.ok,
      () => false,
    );
    if (healthy) break;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return {
    url,
    child,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The node flags `npm start` runs dist/server.js with, read from package.json's start script. */
export function serviceNodeFlags(): string[] {
  const { scripts } = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { scripts: { start: string } };
  const flags = /\bnode((?: --\S+)*) dist\/server\.js/.exec(scripts.start);
  if (!flags) throw new Error(`package.json's start script does not run node … dist/server.js: ${scripts.start}`);
  return (flags[1] as string).split(' ').filter(Boolean);
}

/** The service as npm start runs it (from dist/, with its node flags), on `databasePath`. */
export function startService(databasePath: string, logLevel = 'info'): Promise<Running> {
  return startServer(pinned(SERVER_CORE, [process.execPath, ...serviceNodeFlags(), 'dist/server.js']), {
    DATABASE_PATH: databasePath,
    LOG_LEVEL: logLevel,
  });
}

/** Runs a TypeScript script on the load core and answers what it printed to stdout, parsed as JSON. */
export async function runLoad<T>(script: string, args: readonly string[]): Promise<T> {
  const [command, ...rest] = pinned(LOAD_CORE, [...tsxScript(script), ...args]) as [string, ...string[]];
  const child = spawn(command, rest, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`${script} exited with ${code}`);
  return JSON.parse(output) as T;
}
