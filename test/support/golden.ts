import { readFileSync } from 'node:fs';
import { expect } from 'vitest';

/**
 * The traces recorded from real PyTorch (test/fixtures/, written by
 * scripts/record_pytorch_traces.py), and bit-for-bit comparison with them.
 */

export type GoldenNumber = number | 'NaN' | 'Infinity' | '-Infinity';

export interface GoldenPoint {
  last_epoch: number;
  lrs: GoldenNumber[];
  momentums?: GoldenNumber[];
  best?: GoldenNumber;
  num_bad_epochs?: number;
  cooldown_counter?: number;
}

export interface GoldenStep extends Partial<GoldenPoint> {
  metric?: GoldenNumber;
  epoch?: number;
  error?: string;
  state_dict?: Record<string, unknown>;
}

export interface GoldenCase {
  id: string;
  param_groups: Record<string, unknown>[];
  scheduler: { type: string } & Record<string, unknown>;
  optimizer: string;
  error?: string;
  initial?: GoldenPoint;
  steps?: GoldenStep[];
}

export interface GoldenFile {
  /** The fixture's file name in test/fixtures. */
  readonly name: string;
  /** The PyTorch release that recorded it, e.g. "2.13.0+cpu". */
  readonly pytorch: string;
  readonly cases: readonly GoldenCase[];
  /** The cases whose constructor PyTorch accepted, and those it refused. */
  readonly constructed: readonly GoldenCase[];
  readonly refused: readonly GoldenCase[];
}

export const FIXTURES = new URL('../fixtures/', import.meta.url);

function loadGolden(name: string): GoldenFile {
  const file = JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as { generator: string; cases: GoldenCase[] };
  const pytorch = /^PyTorch (\S+) /.exec(file.generator)?.[1];
  if (pytorch === undefined) throw new Error(`${name}: no PyTorch version in its generator line`);
  return {
    name,
    pytorch,
    cases: file.cases,
    constructed: file.cases.filter((c) => c.error === undefined),
    refused: file.cases.filter((c) => c.error !== undefined),
  };
}

/** PyTorch 1.13's traces, and 2.13's (the same cases, plus SequentialLR cases where the releases differ). */
export const PYTORCH_1_13 = loadGolden('pytorch-lr-schedulers.json');
export const PYTORCH_2_13 = loadGolden('pytorch-2.13-lr-schedulers.json');
export const GOLDEN_FILES: readonly GoldenFile[] = [PYTORCH_1_13, PYTORCH_2_13];
/** The files as `describe.each` rows: [release, file]. */
export const GOLDEN_RELEASES = GOLDEN_FILES.map((file) => [file.pytorch, file] as const);

export const goldenCases = PYTORCH_1_13.cases;
export const constructedCases = PYTORCH_1_13.constructed;
export const refusedCases = PYTORCH_1_13.refused;

export function decode(value: GoldenNumber): number {
  return typeof value === 'number' ? Number(value) : Number(value === '-Infinity' ? -Infinity : value);
}

/** The same double as PyTorch's, bit for bit (Object.is: 0 and -0 differ, NaN equals NaN). */
export function expectSameDouble(actual: unknown, expected: GoldenNumber, where: string): void {
  const want = decode(expected);
  const got = typeof actual === 'string' ? decode(actual as GoldenNumber) : actual;
  expect(Object.is(got, want), `${where}: ${String(got)}, PyTorch ${want}`).toBe(true);
}

/** Compares what we report with what PyTorch reported, field by field, every number bit for bit. */
export function expectPoint(actual: Record<string, unknown>, expected: Partial<GoldenPoint>, where: string): void {
  expect(actual.last_epoch, `${where} last_epoch`).toBe(expected.last_epoch);
  const lrs = actual.lrs as unknown[];
  expect(lrs.length, `${where} lrs`).toBe(expected.lrs?.length);
  expected.lrs?.forEach((lr, i) => expectSameDouble(lrs[i], lr, `${where} lrs[${i}]`));
  if (expected.momentums) {
    const momentums = actual.momentums as unknown[];
    expect(momentums?.length, `${where} momentums`).toBe(expected.momentums.length);
    expected.momentums.forEach((m, i) => expectSameDouble(momentums[i], m, `${where} momentums[${i}]`));
  } else {
    expect(actual.momentums, `${where} momentums`).toBeUndefined();
  }
  if (expected.best !== undefined) {
    expectSameDouble(actual.best, expected.best, `${where} best`);
    expect(actual.num_bad_epochs, `${where} num_bad_epochs`).toBe(expected.num_bad_epochs);
    expect(actual.cooldown_counter, `${where} cooldown_counter`).toBe(expected.cooldown_counter);
  }
}

/** The report a golden step stands for, in the API's wire form. */
export function wireReport(step: GoldenStep): Record<string, unknown> {
  return {
    ...(step.metric !== undefined ? { metric: step.metric } : {}),
    ...(step.epoch !== undefined ? { epoch: step.epoch } : {}),
  };
}
