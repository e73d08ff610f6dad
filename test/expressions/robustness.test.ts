/**
 * Whatever the input, compileExpression either returns or throws ExpressionSyntaxError
 * (with a position inside the source), and evaluate either returns a number or throws
 * ExpressionEvaluationError: never a TypeError, RangeError or stack overflow.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compileExpression,
  ExpressionEvaluationError,
  ExpressionSyntaxError,
  MAX_EXPRESSION_LENGTH,
  type CompiledExpression,
} from '../../src/expressions/index.js';
import { expressionArbitrary, print } from './grammar.js';

const SEED = 0x0b5e55ed;

/** Compiles, checking that any failure is a well-formed ExpressionSyntaxError. */
function compileOrReject(source: string): CompiledExpression | undefined {
  try {
    return compileExpression(source, 'epoch');
  } catch (error) {
    if (!(error instanceof ExpressionSyntaxError)) throw error;
    expect(Number.isInteger(error.position)).toBe(true);
    expect(error.position).toBeGreaterThanOrEqual(0);
    if (source.length > MAX_EXPRESSION_LENGTH) {
      expect(error.position).toBe(MAX_EXPRESSION_LENGTH);
    } else {
      expect(error.position).toBeLessThanOrEqual(source.length);
      expect(error.message).toContain(`at position ${error.position}`);
    }
    return undefined;
  }
}

/** Evaluates, checking that the only failure is ExpressionEvaluationError. */
function evaluateOrRefuse(compiled: CompiledExpression, value: number): void {
  try {
    expect(typeof compiled.evaluate(value)).toBe('number');
  } catch (error) {
    if (!(error instanceof ExpressionEvaluationError)) throw error;
  }
}

const SAMPLE_VALUES = [0, 1, 7, -3, 0.5, -0, NaN, Infinity, -Infinity, 1e300, 5e-324];

function compileAndMaybeEvaluate(source: string): void {
  const compiled = compileOrReject(source);
  if (compiled) for (const value of SAMPLE_VALUES) evaluateOrRefuse(compiled, value);
}

const TOKENS = [
  // the language
  'epoch', 'x', 'pi', 'True', 'False', 'min', 'max', 'abs', 'floor', 'ceil', 'exp', 'log', 'sqrt', 'sin',
  'cos', 'tan', '0', '1', '2', '30', '0.95', '.5', '1.', '1e3', '1_0', '1e-400', '1e400',
  '+', '-', '*', '/', '//', '%', '**', '<', '<=', '>', '>=', '==', '!=', '(', ')', ',',
  'and', 'or', 'not', 'if', 'else',
  // Python outside the language, and worse
  '.', '[', ']', '{', '}', '=', ':=', ':', ';', '&', '|', '^', '~', '<<', '>>', '@', '"', "'", '#', '\\',
  'lambda', 'import', '__import__', 'os', 'eval', 'is', 'in', 'None', 'for', '0x1', '1j', '01', '1__0', '$', '!',
  '\u0000', '\u{1F600}', '\uD800', 'é',
];

const tokenSoup = fc
  .array(fc.tuple(fc.constantFrom(...TOKENS), fc.constantFrom(' ', ' ', '', '\n', '\t')), { maxLength: 30 })
  .map((parts) => parts.map(([token, space]) => token + space).join(''));

describe('compileExpression never throws anything but ExpressionSyntaxError', () => {
  it('on arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), compileAndMaybeEvaluate), { seed: SEED, numRuns: 3000 });
  });

  it('on arbitrary unicode, lone surrogates included', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 100 }), compileAndMaybeEvaluate), {
      seed: SEED,
      numRuns: 2000,
    });
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 100 }), compileAndMaybeEvaluate), {
      seed: SEED,
      numRuns: 1000,
    });
  });

  it("on the language's tokens and Python's, shuffled", () => {
    let compiled = 0;
    fc.assert(
      fc.property(tokenSoup, (source) => {
        if (compileOrReject(source)) compiled++;
        compileAndMaybeEvaluate(source);
      }),
      { seed: SEED, numRuns: 5000 },
    );
    expect(compiled).toBeGreaterThan(50); // some soups are valid, so evaluation is exercised too
  });

  it('on valid expressions with one character inserted, deleted or replaced', () => {
    const mutated = fc
      .tuple(expressionArbitrary('epoch').map(print), fc.nat(), fc.constantFrom('', '(', ')', '.', '*', ' ', 'e', '_', '1', ','))
      .map(([source, at, char]) => {
        const i = at % (source.length + 1);
        return [source.slice(0, i) + char + source.slice(i + 1), source.slice(0, i) + char + source.slice(i)];
      });
    fc.assert(fc.property(mutated, (sources) => sources.forEach(compileAndMaybeEvaluate)), { seed: SEED, numRuns: 1500 });
  });

  it('on pathological inputs, without overflowing the stack', () => {
    const inputs = [
      '('.repeat(1000),
      '('.repeat(100_000),
      `${'('.repeat(500)}1${')'.repeat(499)}`,
      `${'-'.repeat(999)}1`,
      `${'not '.repeat(249)}1`,
      `${'2**'.repeat(333)}2`,
      `${'min(1,'.repeat(166)}1`,
      `${'1 if 1 else '.repeat(83)}1`,
      '1'.repeat(1000),
      '9'.repeat(1000),
      '1e999999',
      '.'.repeat(1000),
      '*'.repeat(1000),
      'epoch' + '+epoch'.repeat(165),
      `${'('.repeat(64)}${'epoch+'.repeat(100)}1${')'.repeat(64)}`,
      '\uD800\uDC00\uD800',
      '\u202Eepoch',
      'epoch\u00A0+\u00A01',
    ];
    inputs.forEach(compileAndMaybeEvaluate);
  });
});

describe('evaluate never throws anything but ExpressionEvaluationError', () => {
  it('on random expressions of the whole grammar at any double, NaN, ±Infinity and -0 included', () => {
    const value = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(NaN, Infinity, -Infinity, -0, 2 ** 53, 1e308));
    fc.assert(
      fc.property(expressionArbitrary('epoch', 6).map(print), fc.array(value, { minLength: 1, maxLength: 8 }), (source, values) => {
        const compiled = compileExpression(source, 'epoch'); // well-formed, so it must compile
        for (const v of values) evaluateOrRefuse(compiled, v);
      }),
      { seed: SEED, numRuns: 3000 },
    );
  });
});
