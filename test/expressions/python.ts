/** Runs test/expressions/python_oracle.py once on a batch, and the encodings that keep every bit of a double. */

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ORACLE = fileURLToPath(new URL('./python_oracle.py', import.meta.url));

export function runPython<T>(request: unknown): T {
  const dir = mkdtempSync(join(tmpdir(), 'expression-oracle-'));
  try {
    const input = join(dir, 'request.json');
    writeFileSync(input, JSON.stringify(request));
    const run = spawnSync('python3', [ORACLE, input], {
      encoding: 'utf8',
      maxBuffer: 512 * 1024 * 1024,
      timeout: 120_000,
    });
    if (run.error) throw run.error;
    if (run.status !== 0) throw new Error(`python3 ${ORACLE} failed (${run.status}): ${run.stderr}`);
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

export function evaluateInPython(
  expressions: { source: string; variable: string; values: number[] }[],
): PythonExpressionResult[] {
  const request = {
    expressions: expressions.map(({ source, variable, values }) => ({
      source,
      variable,
      values: values.map(pythonValue),
    })),
  };
  return runPython<{ results: PythonExpressionResult[] }>(request).results;
}
