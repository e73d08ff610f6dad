import { z } from 'zod';

/**
 * JSON has no NaN or infinities, yet a diverged job reports NaN and ReduceLROnPlateau's
 * `best` starts at ±Infinity. On the wire they are the strings "NaN", "Infinity" and
 * "-Infinity"; inside the service they are plain numbers.
 */

const spelled = z.enum(['NaN', 'Infinity', '-Infinity']);

export const wireNumber = z
  .union([z.number(), spelled])
  .describe('A number; NaN and infinities are written as the strings "NaN", "Infinity", "-Infinity"');

export type WireNumber = z.infer<typeof wireNumber>;

/** A request field that may be non-finite, decoded to a number. */
export const wireNumberInput = wireNumber.transform((value) => (typeof value === 'number' ? value : Number(value)));

export function toWireNumber(value: number): WireNumber {
  if (Number.isFinite(value)) return value;
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? 'Infinity' : '-Infinity';
}

/** Every number inside `value`, at any depth, in wire form. */
export function toWire<T>(value: T): unknown {
  if (typeof value === 'number') return toWireNumber(value);
  if (Array.isArray(value)) return value.map(toWire);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toWire(v)]));
  }
  return value;
}

/** The inverse of `toWire` for JSON the service wrote itself (stored states and reports). */
export function fromWire(value: unknown): unknown {
  if (value === 'NaN' || value === 'Infinity' || value === '-Infinity') return Number(value);
  if (Array.isArray(value)) return value.map(fromWire);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromWire(v)]));
  }
  return value;
}
