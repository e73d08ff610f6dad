/**
 * The whole point of the language is that user strings are never run as code: nothing in
 * src/expressions, or the src/numerics it computes with, may reach for JavaScript's own
 * evaluators or load modules at runtime.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SOURCE_DIR = fileURLToPath(new URL('../../src/', import.meta.url));
const CHECKED = ['expressions', 'numerics'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.[cm]?[jt]s$/.test(entry.name) ? [path] : [];
  });
}

const FORBIDDEN: [string, RegExp][] = [
  ['eval(', /\beval\s*\(/],
  ['indirect eval', /\beval\b(?!uat)/],
  ['Function(', /\bFunction\s*\(/],
  ['new Function', /\bnew\s+Function\b/],
  ['the vm module', /['"](node:)?vm['"]/],
  ['require(', /\brequire\s*\(/],
  ['dynamic import(', /\bimport\s*\(/],
  ['setTimeout/setInterval with a string', /\bset(Timeout|Interval|Immediate)\s*\(/],
  ['WebAssembly', /\bWebAssembly\b/],
];

describe('no code evaluation in src/expressions and src/numerics', () => {
  const files = CHECKED.flatMap((dir) => sourceFiles(join(SOURCE_DIR, dir)));

  it('has the sources to check', () => {
    expect(files.length).toBeGreaterThanOrEqual(20);
  });

  for (const file of files) {
    it(relative(SOURCE_DIR, file), () => {
      const text = readFileSync(file, 'utf8');
      const found = FORBIDDEN.filter(([, pattern]) => pattern.test(text)).map(([name]) => name);
      expect(found).toEqual([]);
    });
  }

  it('imports only its own modules, src/numerics and the limits (plain numbers)', () => {
    for (const file of files) {
      const imports = [...readFileSync(file, 'utf8').matchAll(/\bfrom\s+['"]([^'"]+)['"]/g)].map((m) => m[1]);
      const foreign = imports.filter((name) => !/^\.\/|^\.\.\/numerics\/|^\.\.\/(\.\.\/)?limits\.js$/.test(name ?? ''));
      expect(foreign, relative(SOURCE_DIR, file)).toEqual([]);
    }
  });
});
