import { toWire } from '../api/wire-numbers.js';

/** JSON with sorted keys (and NaN spelled out), so equal values compare equal as text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(toWire(value)));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}
