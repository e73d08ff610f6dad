/** Runs test/expressions/python_oracle.py once on a batch, and the encodings that keep every bit of a double. */

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ORACLE = fileURLToPath(new URL('./python_oracle.py', import.meta.url));

/** The python3 on PATH, or Debian's where only that one has mpmath (which .ci/run installs there). */
const PYTHON =
  ['python3', '/usr/bin/python3'].find((python) => spawnSync(python, ['-c', 'import mpmath'], { stdio: 'ignore' }).status === 0) ??
  'python3';

export function runPython<T>(request: unknown): T {
  const dir = mkdtempSync(join(tmpdir(), 'expression-oracle-'));
  try {
    const input = join(dir, 'request.json');
    writeFileSync(input, JSON.stringify(request));
    const run = spawnSync(PYTHON, [ORACLE, input], {
      encoding: 'utf8',
      maxBuffer: 512 * 1024 * 1024,
      timeout: 120_000,
    });
    if (run.error) throw run.error;
    if (run.status !== 0) throw new Error(`${PYTHON} ${ORACLE} failed (${run.status}): ${run.stderr}`);
    return JSON.parse(run.stdout) as T;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const view = new DataView(new ArrayBuffer(8));

export function toHex(x: number): string {
  view.setFloat64(0, x);
  return view.getBigUint64(0).toString(16).padStart(16, '0');
}

export function fromHex(hex: string): number {
  view.setBigUint64(0, BigInt(`0x${hex}`));
  return view.getFloat64(0);
}

/** How far apart two finite doubles of the same sign are, in units in the last place. */
export function ulpDistance(a: number, b: number): number {
  view.setFloat64(0, a);
  const x = view.getBigInt64(0);
  view.setFloat64(0, b);
  const y = view.getBigInt64(0);
  return Number(x > y ? x - y : y - x);
}

export type PythonValue = { int: string } | { float: string };

/** The value as our evaluator binds it: whole numbers (but not -0) are Python ints, the rest floats. */
export function pythonValue(x: number): PythonValue {
  return Number.isInteger(x) && !Object.is(x, -0) ? { int: BigInt(x).toString() } : { float: toHex(x) };
}

export interface PythonOutcome {
  ok?: string;
  error?: string;
  complex: boolean;
  calls: (string | number)[][];
}

export interface PythonExpressionResult {
  syntax_error?: string;
  outcomes?: PythonOutcome[];
}

/**
 * Evaluates each expression at its values in Python. `libm` substitutes results for
 * libm calls, keyed by `libmCallKey`, as python_oracle.py describes.
 */
export function evaluateInPython(
  expressions: { source: string; variable: string; values: number[]; libm?: Record<string, string> }[],
): PythonExpressionResult[] {
  const request = {
    expressions: expressions.map(({ source, variable, values, libm }) => ({
      source,
      variable,
      values: values.map(pythonValue),
      ...(libm ? { libm } : {}),
    })),
  };
  return runPython<{ results: PythonExpressionResult[] }>(request).results;
}

/** How python_oracle.py names a recorded libm call: its name and its arguments' hex. */
export function libmCallKey(name: string, argumentHexes: readonly string[]): string {
  return [name, ...argumentHexes].join(' ');
}
