import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/app.js';
import { startListeningApp, type ListeningApp } from '../support/listening-app.js';

/**
 * @lrsched/client as a user installs it, following the README: `npm install` in (a copy of)
 * clients/typescript builds it, a fresh project installs it from that folder, and the
 * README's TypeScript snippet, compiled by tsc against the package's .d.ts files, runs as
 * plain JavaScript against a real server.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const README_ADDRESS = 'http://127.0.0.1:8080';
const TSC = join(ROOT, 'node_modules/.bin/tsc');
// Asynchronous: the server answering the snippet runs in this very process.
const run = promisify(execFile);
// The npm cache holds these packages after the repository's own `npm ci`.
const npmInstall = (cwd: string, ...args: string[]) =>
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...args], { cwd, timeout: 180_000 });

const snippet = [...README.matchAll(/```ts\n([\s\S]*?)```/g)]
  .map((match) => match[1] as string)
  .find((text) => text.includes("from '@lrsched/client'"));

let server: ListeningApp;
let dir: string;
let remove: () => void;
beforeAll(async () => {
  server = await startListeningApp();
  ({ dir, remove } = tempDir('lrsched-ts-package-'));
});
afterAll(async () => {
  await server.close();
  remove();
});

describe('@lrsched/client, installed from its folder', () => {
  it('builds to JavaScript and .d.ts, and the README snippet compiles and steps a session', async () => {
    expect(snippet, 'README has a ```ts block importing @lrsched/client').toBeDefined();
    const client = join(dir, 'client');
    for (const file of ['package.json', 'package-lock.json', 'tsconfig.json', 'src']) {
      cpSync(join(ROOT, 'clients/typescript', file), join(client, file), { recursive: true });
    }
    await npmInstall(client);
    for (const built of ['index.js', 'index.d.ts', 'schema.d.ts']) expect(existsSync(join(client, 'dist', built))).toBe(true);

    const project = join(dir, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'training-job', private: true, type: 'module' }));
    await npmInstall(project, '../client');

    const program = `
      let batches = 0;
      async function trainOneBatch(lr: number): Promise<number> {
        batches += 1;
        return 1 / (1 + batches * lr);
      }
      ${(snippet as string).replaceAll(README_ADDRESS, server.url)}
      console.log(JSON.stringify({ batches, session: session.id, state }));
    `;
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, outDir: 'out', skipLibCheck: false },
      include: ['job.ts'],
    }));
    writeFileSync(join(project, 'job.ts'), program);
    await run(TSC, ['-p', 'tsconfig.json'], { cwd: project, timeout: 120_000 });
    const { stdout } = await run(process.execPath, ['out/job.js'], { cwd: project, timeout: 60_000 });

    const { batches, session, state } = JSON.parse(stdout) as { batches: number; session: string; state: { step: number; lrs: number[] } };
    expect(batches).toBe(100);
    expect(state.step).toBe(100);
    const history = (await (await fetch(`${server.url}/v1/sessions/${session}/history?limit=1000`)).json()) as {
      items: { step: number; state: { lrs: number[] } }[];
    };
    expect(history.items.map((entry) => entry.step)).toEqual(Array.from({ length: 101 }, (_, i) => i));
    expect(state.lrs).toEqual(history.items[100]?.state.lrs);
  }, 300_000);
});
