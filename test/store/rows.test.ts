import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toWire } from '../../src/api/wire-numbers.js';
import { decode, encode } from '../../src/store/rows.js';

describe('JSON columns', () => {
  const number = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(Infinity, -Infinity, NaN, -0));
  const { tree } = fc.letrec((tie) => ({
    tree: fc.oneof({ depthSize: 'small' }, number, fc.string(), fc.boolean(), fc.constant(null), tie('array'), tie('object')),
    array: fc.array(tie('tree'), { maxLength: 4 }),
    object: fc.dictionary(fc.string(), tie('tree'), { maxKeys: 4 }),
  }));

  it('spell out every non-finite number at any depth, finite or not elsewhere, as toWire does', () => {
    fc.assert(
      fc.property(tree, (value) => {
        expect(encode(value)).toBe(JSON.stringify(toWire(value)));
      }),
      { numRuns: 3000, seed: 13 },
    );
  });

  it('read back the non-finite numbers they spelled out', () => {
    const value = { best: -Infinity, lrs: [0.1, NaN, Infinity], nested: { values: [{ x: -Infinity }] } };
    expect(encode(value)).toBe('{"best":"-Infinity","lrs":[0.1,"NaN","Infinity"],"nested":{"values":[{"x":"-Infinity"}]}}');
    expect(decode(encode(value))).toEqual(value);
  });
});
