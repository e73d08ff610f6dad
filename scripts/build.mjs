// Compiles src/ to dist/, bundles the dashboard (ui/) into dist/ui with Vite, and records what it
// built (plain JavaScript: it runs before anything is built).
//
//   node scripts/build.mjs             always builds (npm run build)
//   node scripts/build.mjs --if-stale  builds only when src/, ui/ or tsconfig.json changed since
//                                      the last build (npm start, and npm ci through prepare)
//
// The check hashes the sources instead of comparing times, so a checkout, a copy or a
// restored cache that keeps old modification times cannot fool it; hashing the sources takes
// milliseconds where tsc and Vite take seconds, which is what lets a restarted service serve
// again within about a second.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const sourceDir = join(root, 'src');
const uiDir = join(root, 'ui');
const outDir = join(root, 'dist');
const stamp = join(outDir, '.sources-sha256');

function filesUnder(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)]))
    .sort();
}

function sourcesHash() {
  const hash = createHash('sha256');
  for (const file of [join(root, 'tsconfig.json'), ...filesUnder(sourceDir), ...filesUnder(uiDir)]) {
    // Names too: renaming or deleting a file changes what gets built.
    hash.update(`${relative(root, file)}\0`).update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

async function build(hash) {
  const resolve = createRequire(join(root, 'package.json')).resolve;
  let tsc, vite;
  try {
    tsc = resolve('typescript/bin/tsc');
    vite = resolve('vite');
  } catch {
    throw new Error('dist/ is missing or out of date and TypeScript or Vite is not installed: run npm ci first');
  }
  // From scratch, so compiled files of deleted sources do not linger.
  rmSync(outDir, { recursive: true, force: true });
  execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.json')], { stdio: 'inherit' });
  // ui/vite.config.ts says where the bundle goes (dist/ui).
  const { build: bundle } = await import(pathToFileURL(vite).href);
  await bundle({ configFile: join(uiDir, 'vite.config.ts'), logLevel: 'warn' });
  writeFileSync(stamp, `${hash}\n`);
}

const ifStale = process.argv.includes('--if-stale');
if (!existsSync(sourceDir) || !existsSync(uiDir)) {
  // The container image installs its dependencies before it copies the sources in.
  if (!ifStale) throw new Error('no src/ or ui/ to build');
  console.error('build: no src/ or ui/ yet, nothing to build');
} else {
  const hash = sourcesHash();
  const built = existsSync(stamp) ? readFileSync(stamp, 'utf8').trim() : null;
  if (ifStale && built === hash) console.error('build: dist/ is current');
  else await build(hash);
}
