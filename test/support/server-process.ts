import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { DatabaseOptions } from '../../src/store/open-store.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ServerProcess {
  readonly url: string;
  readonly child: ChildProcess;
  readonly logs: string[];
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  readonly exited: Promise<number | string>;
}

/** The environment that makes the server use `database`. */
export function databaseEnvironment(database: DatabaseOptions): Record<string, string | undefined> {
  return database.kind === 'sqlite'
    ? { DATABASE_PATH: database.path, DATABASE_URL: undefined }
    : { DATABASE_URL: database.url, DATABASE_POOL_SIZE: String(database.poolSize) };
}

/** How the server process starts: from the TypeScript sources, or a compiled server.js (node only, as `npm start` runs it). */
const FROM_SOURCES = ['--import', 'tsx', 'src/server.ts'];

/** The real server (src/server.ts) in its own process, on a free port; `env` adds to or overrides its environment. */
export function spawnServer(database: DatabaseOptions, env: NodeJS.ProcessEnv = {}, entry: readonly string[] = FROM_SOURCES) {
  return spawn(process.execPath, entry, {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...databaseEnvironment(database), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** The real server in its own process, once it listens. */
export async function startServerProcess(
  database: DatabaseOptions,
  env: NodeJS.ProcessEnv = {},
  entry: readonly string[] = FROM_SOURCES,
): Promise<ServerProcess> {
  const child = spawnServer(database, env, entry);
  const logs: string[] = [];
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${logs.join('\n')}`)), 30_000);
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        logs.push(line);
        const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
        if (match) {
          clearTimeout(timer);
          resolve(match[1] as string);
        }
      }
    });
    child.stderr.on('data', (chunk: Buffer) => logs.push(chunk.toString()));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${logs.join('\n')}`));
    });
  });
  return { url, child, logs, exited };
}

export async function http(url: string, method: string, body?: unknown, token?: string) {
  const response = await fetch(url, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}
