import { readFileSync } from 'node:fs';
import { expect } from 'vitest';

/** The traces recorded from real PyTorch (see test/fixtures/pytorch-lr-schedulers.json). */

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

const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/pytorch-lr-schedulers.json', import.meta.url), 'utf8'),
) as { cases: GoldenCase[] };

export const goldenCases: readonly GoldenCase[] = fixture.cases;
export const constructedCases = goldenCases.filter((c) => c.error === undefined);
export const refusedCases = goldenCases.filter((c) => c.error !== undefined);

export function decode(value: GoldenNumber): number {
  return typeof value === 'number' ? Number(value) : Number(value === '-Infinity' ? -Infinity : value);
}

/** The golden file's tolerance: relative 1e-12 plus 1e-18 absolute. */
export function expectClose(actual: unknown, expected: GoldenNumber, where: string): void {
  const want = decode(expected);
  const got = typeof actual === 'string' ? decode(actual as GoldenNumber) : (actual as number);
  if (Number.isNaN(want) || !Number.isFinite(want)) {
    expect(Object.is(got, want) || (Number.isNaN(got) && Number.isNaN(want)), `${where}: ${got} vs ${want}`).toBe(true);
    return;
  }
  expect(typeof got, where).toBe('number');
  expect(Math.abs(got - want) <= 1e-12 * Math.abs(want) + 1e-18, `${where}: ${got} vs ${want}`).toBe(true);
}

/** Compares what we report with what PyTorch reported, field by field. */
export function expectPoint(actual: Record<string, unknown>, expected: Partial<GoldenPoint>, where: string): void {
  expect(actual.last_epoch, `${where} last_epoch`).toBe(expected.last_epoch);
  const lrs = actual.lrs as unknown[];
  expect(lrs.length, `${where} lrs`).toBe(expected.lrs?.length);
  expected.lrs?.forEach((lr, i) => expectClose(lrs[i], lr, `${where} lrs[${i}]`));
  if (expected.momentums) {
    const momentums = actual.momentums as unknown[];
    expect(momentums?.length, `${where} momentums`).toBe(expected.momentums.length);
    expected.momentums.forEach((m, i) => expectClose(momentums[i], m, `${where} momentums[${i}]`));
  } else {
    expect(actual.momentums, `${where} momentums`).toBeUndefined();
  }
  if (expected.best !== undefined) {
    expectClose(actual.best, expected.best, `${where} best`);
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
