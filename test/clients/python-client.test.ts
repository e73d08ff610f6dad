import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The Python client's own unittest suite (clients/python/tests), run as part of npm test.
 * It starts real servers itself; its PyTorch parity test needs an interpreter with torch
 * (Debian's python3-torch, which .ci/run installs), and CI refuses to skip it.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLIENT = join(ROOT, 'clients/python');

const canImport = (python: string, module: string) =>
  spawnSync(python, ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0;

const withTorch = ['/usr/bin/python3', 'python3'].find((python) => canImport(python, 'torch'));
const requireTorch = withTorch !== undefined || process.env.CI === 'true';

describe('Python client', () => {
  it(
    `passes its unittest suite (${withTorch ? `with PyTorch, ${withTorch}` : 'PyTorch tests skipped: not installed'})`,
    () => {
      const run = spawnSync(
        withTorch ?? 'python3',
        ['-m', 'unittest', 'discover', '-s', 'clients/python/tests', '-t', 'clients/python', '-v'],
        {
          cwd: ROOT,
          encoding: 'utf8',
          env: {
            ...process.env,
            PYTHONPATH: join(CLIENT, 'src'),
            LRSCHED_REQUIRE_TORCH: requireTorch ? '1' : '0',
            LRSCHED_NODE: process.execPath,
          },
          timeout: 420_000,
        },
      );
      const output = `${run.stdout}${run.stderr}`;
      expect(output, output).toMatch(/\nOK/);
      expect(run.status, output).toBe(0);
      if (requireTorch) expect(output).not.toContain('skipped');
    },
    480_000,
  );

  it('installs with a plain `pip install ./clients/python` into a fresh virtualenv', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lrsched-venv-'));
    try {
      expect(spawnSync('python3', ['-m', 'venv', dir]).status).toBe(0);
      // The in-tree build backend needs nothing from a package index.
      const install = spawnSync(join(dir, 'bin/pip'), ['install', '--quiet', './clients/python'], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(install.status, install.stderr).toBe(0);
      const imported = spawnSync(join(dir, 'bin/python'), ['-c', 'import lrsched; print(lrsched.__file__)'], {
        encoding: 'utf8',
        cwd: tmpdir(),
      });
      expect(imported.stdout).toContain(join(dir, 'lib'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
