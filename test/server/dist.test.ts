import { execFileSync } from 'node:child_process';
import { cpSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/app.js';
import { http, startServerProcess, type ServerProcess } from '../support/server-process.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The built service (tsc to dist/, run by plain node as `npm start` does) loads its preview
 * workers from the compiled files beside it, with no TypeScript loader: the repository is
 * laid out again in a temporary folder (dist/, package.json, migrations/, node_modules).
 */
describe('the built server', () => {
  const { dir, remove } = tempDir('lrsched-dist-');
  let server: ServerProcess | undefined;
  afterAll(() => {
    server?.child.kill('SIGKILL');
    remove();
  });

  it('answers previews from its compiled worker', async () => {
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.json'), '--outDir', join(dir, 'dist')]);
    cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
    cpSync(join(ROOT, 'migrations'), join(dir, 'migrations'), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    server = await startServerProcess({ kind: 'sqlite', path: join(dir, 'data', 'lrsched.db') }, {}, [join(dir, 'dist', 'server.js')]);
    const preview = await http(`${server.url}/v1/preview`, 'POST', {
      param_groups: [{ lr: 1 }],
      scheduler: { type: 'ExponentialLR', gamma: 0.5 },
      steps: 3,
    });
    expect(preview.status).toBe(200);
    expect(preview.body.points.map((p: { lrs: number[] }) => p.lrs[0])).toEqual([1, 0.5, 0.25, 0.125]);
  }, 120_000);
});
