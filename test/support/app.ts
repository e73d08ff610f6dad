import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { buildApp } from '../../src/app.js';

export type App = Awaited<ReturnType<typeof buildApp>>;

/** A fresh temporary folder, removed by the returned function. */
export function tempDir(prefix = 'lrsched-test-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A maker of SQLite file paths (in a folder not created yet), each in a temporary folder removed after each test. */
export function temporaryDatabases(): () => string {
  const removals: (() => void)[] = [];
  afterEach(() => {
    for (const remove of removals.splice(0)) remove();
  });
  return () => {
    const { dir, remove } = tempDir();
    removals.push(remove);
    return join(dir, 'nested', 'lrsched.db');
  };
}

/** The real app on a real SQLite file in a temporary folder. */
export async function startTestApp(): Promise<{ app: App; databasePath: string; close: () => Promise<void> }> {
  const { dir, remove } = tempDir();
  const databasePath = join(dir, 'nested', 'lrsched.db');
  const app = await buildApp({ databasePath });
  await app.ready();
  return {
    app,
    databasePath,
    close: async () => {
      await app.close();
      remove();
    },
  };
}

export type Method = 'GET' | 'POST' | 'DELETE';

/** JSON request through fastify.inject, answering status, headers and parsed body. */
export async function call(app: App, method: Method, url: string, body?: unknown) {
  return callAs(app, undefined, method, url, body);
}

/** call() sending `Authorization: Bearer <token>` (nothing when the token is undefined). */
export async function callAs(app: App, token: string | undefined, method: Method, url: string, body?: unknown) {
  const response = await app.inject({
    method,
    url,
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    ...(body === undefined ? {} : { payload: body as object }),
  });
  const text = response.body;
  return {
    status: response.statusCode,
    headers: response.headers,
    body: text.length > 0 ? JSON.parse(text) : undefined,
  };
}

export const sgd = (lr: number) => ({ lr });
