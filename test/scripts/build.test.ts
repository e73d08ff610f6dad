import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../support/app.js';

/**
 * scripts/build.mjs, which npm start and npm ci (prepare) run, on a small project of its
 * own in a temporary folder (a service in src/, a page in ui/): it builds when the sources
 * changed and only then.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dirs: (() => void)[] = [];
afterEach(() => {
  for (const remove of dirs.splice(0)) remove();
});

function project(): string {
  const { dir, remove } = tempDir('lrsched-build-');
  dirs.push(remove);
  mkdirSync(join(dir, 'scripts'));
  copyFileSync(join(ROOT, 'scripts/build.mjs'), join(dir, 'scripts/build.mjs'));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }');
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { module: 'NodeNext', rootDir: 'src', outDir: 'dist', strict: true, lib: ['ES2022'], types: [] },
      include: ['src'],
    }),
  );
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src/answer.ts'), 'export const answer: number = 41;\n');
  writeFileSync(join(dir, 'src/extra.ts'), 'export const extra = 1;\n');
  mkdirSync(join(dir, 'ui'));
  writeFileSync(
    join(dir, 'ui/vite.config.ts'),
    "import { fileURLToPath } from 'node:url';\n" +
      'export default { root: fileURLToPath(new URL(".", import.meta.url)), logLevel: "warn", ' +
      'build: { outDir: fileURLToPath(new URL("../dist/ui", import.meta.url)), emptyOutDir: true } };\n',
  );
  writeFileSync(join(dir, 'ui/index.html'), '<!doctype html><script type="module" src="./page.ts"></script>\n');
  writeFileSync(join(dir, 'ui/page.ts'), 'document.title = "page one";\n');
  return dir;
}

function build(dir: string, ...args: string[]) {
  const run = spawnSync(process.execPath, ['scripts/build.mjs', ...args], { cwd: dir, encoding: 'utf8' });
  return { status: run.status, output: run.stdout + run.stderr };
}

const compiled = (dir: string, name: string) => readFileSync(join(dir, 'dist', name), 'utf8');

/** The page's script as Vite bundled it into dist/ui/assets. */
function bundledPage(dir: string): string {
  const html = compiled(dir, 'ui/index.html');
  const script = /src="\/(assets\/[^"]+\.js)"/.exec(html)?.[1];
  if (!script) throw new Error(`no bundled script in ${html}`);
  return compiled(dir, `ui/${script}`);
}

describe('scripts/build.mjs', () => {
  it('--if-stale compiles a fresh checkout, then leaves a current dist/ alone, then compiles a change', () => {
    const dir = project();
    expect(build(dir, '--if-stale').status).toBe(0);
    expect(compiled(dir, 'answer.js')).toContain('41');
    expect(bundledPage(dir)).toContain('page one');
    const builtAt = statSync(join(dir, 'dist/answer.js')).mtimeMs;

    const again = build(dir, '--if-stale');
    expect(again).toMatchObject({ status: 0, output: expect.stringContaining('dist/ is current') });
    expect(statSync(join(dir, 'dist/answer.js')).mtimeMs).toBe(builtAt);

    writeFileSync(join(dir, 'src/answer.ts'), 'export const answer: number = 42;\n');
    rmSync(join(dir, 'src/extra.ts'));
    expect(build(dir, '--if-stale').status).toBe(0);
    expect(compiled(dir, 'answer.js')).toContain('42');
    // Rebuilt from scratch: a deleted source leaves no compiled file behind.
    expect(existsSync(join(dir, 'dist/extra.js'))).toBe(false);
  });

  it('--if-stale rebuilds when only ui/ changed, and the bundle follows', () => {
    const dir = project();
    expect(build(dir, '--if-stale').status).toBe(0);
    writeFileSync(join(dir, 'ui/page.ts'), 'document.title = "page two";\n');
    expect(build(dir, '--if-stale')).toMatchObject({ status: 0, output: expect.not.stringContaining('dist/ is current') });
    expect(bundledPage(dir)).toContain('page two');
    expect(build(dir, '--if-stale').output).toContain('dist/ is current');
  });

  it('notices a change that keeps the old modification time', () => {
    const dir = project();
    expect(build(dir, '--if-stale').status).toBe(0);
    const source = join(dir, 'src/answer.ts');
    const { mtime } = statSync(source);
    writeFileSync(source, 'export const answer: number = 43;\n');
    spawnSync('touch', ['-d', mtime.toISOString(), source]);
    expect(statSync(source).mtime.getTime()).toBe(mtime.getTime());
    expect(build(dir, '--if-stale').status).toBe(0);
    expect(compiled(dir, 'answer.js')).toContain('43');
  });

  it('fails on a type error, and --if-stale skips a folder without src/ (the image installs before it copies)', () => {
    const dir = project();
    writeFileSync(join(dir, 'src/answer.ts'), 'export const answer: number = "forty-two";\n');
    expect(build(dir).status).not.toBe(0);
    rmSync(join(dir, 'src'), { recursive: true });
    expect(build(dir, '--if-stale')).toMatchObject({ status: 0, output: expect.stringContaining('nothing to build') });
    expect(build(dir).status).not.toBe(0);
  });
});
