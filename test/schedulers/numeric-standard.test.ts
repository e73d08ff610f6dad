/**
 * One numeric standard for the core: the scheduler formulas and the expression evaluator
 * compute with src/numerics (Python's float semantics, correctly rounded libm), never with
 * V8's transcendental functions or float `**`, which differ from glibc in the last bit for
 * a few percent of arguments. This scans the sources, comments and strings left out.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
const CORE = ['schedulers', 'expressions'];

const V8_MATH = /\bMath\s*\.\s*(cos|sin|tan|acos|asin|atan|atan2|cosh|sinh|tanh|exp|expm1|log|log1p|log10|pow|cbrt|hypot)\b/g;
/**
 * `**` and `**=`, except with a BigInt(...) exponent: JavaScript refuses to mix BigInt
 * and number, so that one is exact integer arithmetic (Python's int ** int).
 */
const FLOAT_POWER = /\*\*=?(?!\s*BigInt\()/g;

/** The source with comments and the contents of string and template literals blanked out. */
function codeOnly(source: string): string {
  let out = '';
  let i = 0;
  while (i < source.length) {
    const two = source.slice(i, i + 2);
    const quote = source[i] as string;
    if (two === '//' || two === '/*') {
      const close = two === '//' ? '\n' : '*/';
      const found = source.indexOf(close, i + 2);
      const stop = found < 0 ? source.length : two === '//' ? found : found + 2;
      out += source.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else if (quote === "'" || quote === '"' || quote === '`') {
      let j = i + 1;
      while (j < source.length && source[j] !== quote) j += source[j] === '\\' ? 2 : 1;
      out += quote + source.slice(i + 1, j).replace(/[^\n]/g, ' ') + quote;
      i = j + 1;
    } else {
      out += quote;
      i += 1;
    }
  }
  return out;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every forbidden use in `source`, as "line N: what". */
function violations(source: string): string[] {
  const code = codeOnly(source);
  const lineOf = (index: number) => code.slice(0, index).split('\n').length;
  return [
    ...[...code.matchAll(V8_MATH)].map((m) => `line ${lineOf(m.index)}: ${m[0]}`),
    ...[...code.matchAll(FLOAT_POWER)].map((m) => `line ${lineOf(m.index)}: float ${m[0]}`),
  ];
}

describe('the core computes with src/numerics only', () => {
  const files = CORE.flatMap((dir) => sourceFiles(join(SRC, dir)));

  it('finds what it forbids, and nothing in comments or strings', () => {
    expect(violations('const a = Math.cos(x) * y ** 2;\nb **= 2;')).toEqual([
      'line 1: Math.cos',
      'line 1: float **',
      'line 2: float **=',
    ]);
    expect(violations("// Math.cos(x) ** 2\n/* Math.pow */ const s = 'x ** 2' + `Math.exp ${y}`;")).toEqual([]);
    expect(violations('const big = BigInt(b) ** BigInt(n);')).toEqual([]);
  });

  it('has the sources to check', () => {
    expect(files.length).toBeGreaterThanOrEqual(30);
  });

  it.each(files.map((file) => [relative(SRC, file), file] as const))('%s', (_name, file) => {
    expect(violations(readFileSync(file, 'utf8'))).toEqual([]);
  });
});
