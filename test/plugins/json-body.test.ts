import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '../../src/limits.js';
import { tooDeepAt } from '../../src/plugins/json-body.js';

/** Wraps `value` in one container per key: a string key an object, a number an array index. */
function wrap(value: unknown, keys: readonly (string | number)[]): unknown {
  return keys.reduceRight<unknown>((inner, key) => {
    if (typeof key === 'string') return { [key]: inner };
    const array: unknown[] = Array.from({ length: key + 1 }, () => 0);
    array[key] = inner;
    return array;
  }, value);
}

const key = fc.oneof(fc.string({ maxLength: 5 }), fc.nat({ max: 3 }));

describe('tooDeepAt', () => {
  it('passes any JSON nested up to the limit', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.array(key, { maxLength: MAX_JSON_DEPTH - 9 }), (value, keys) => {
        expect(tooDeepAt(wrap(value, keys))).toBeUndefined();
      }),
      { seed: 64 },
    );
  });

  it('names the path to the first container beyond the limit', () => {
    fc.assert(
      fc.property(
        fc.array(key, { minLength: MAX_JSON_DEPTH + 1, maxLength: MAX_JSON_DEPTH + 40 }),
        fc.jsonValue({ maxDepth: 2 }),
        (keys, leaf) => {
          expect(tooDeepAt(wrap(leaf, keys))).toEqual(keys.slice(0, MAX_JSON_DEPTH).map(String));
        },
      ),
      { seed: 65 },
    );
  });

  it('counts containers, not scalars: a scalar at the limit is fine', () => {
    const atLimit = wrap(1, Array.from({ length: MAX_JSON_DEPTH }, () => 'a'));
    expect(tooDeepAt(atLimit)).toBeUndefined();
    expect(tooDeepAt(wrap([], Array.from({ length: MAX_JSON_DEPTH }, () => 'a')))).toEqual(Array(MAX_JSON_DEPTH).fill('a'));
  });
});
