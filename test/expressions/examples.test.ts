/**
 * Worked examples: the lr_lambda and scale_fn bodies users actually write, and the corners
 * of precedence, laziness and Python's int/float semantics. Every expected value was
 * computed by running the expression in Python 3.11 (python3 -c with the same names in
 * scope), not by this implementation; -0 is written '-0' so that its sign is checked.
 */

import { describe, expect, it } from 'vitest';
import { compileExpression, ExpressionEvaluationError } from '../../src/expressions/index.js';

/** source, variable, values, what Python gives for each (a number, or the exception it raises). */
type Row = [string, string, number[], (number | string)[]];

function outcome(source: string, variable: string, value: number): number | string {
  const compiled = compileExpression(source, variable);
  try {
    const result = compiled.evaluate(value);
    return Object.is(result, -0) ? '-0' : result;
  } catch (error) {
    if (!(error instanceof ExpressionEvaluationError)) throw error;
    return error.kind === 'ComplexResult' ? 'complex' : error.kind;
  }
}

function expected(values: (number | string)[]): (number | string)[] {
  return values.map((v) => (Object.is(v, -0) ? '-0' : v));
}

function check(rows: Row[]): void {
  for (const [source, variable, values, results] of rows) {
    it(`${source}  (${variable} = ${values.map((v) => (Object.is(v, -0) ? '-0' : v)).join(', ')})`, () => {
      expect(values.map((value) => outcome(source, variable, value))).toEqual(expected(results));
    });
  }
}

const LAMBDAS: Row[] = [
  ['0.95 ** epoch', 'epoch', [0, 1, 2, 10, 37, 100, 1000], [1.0, 0.95, 0.9025, 0.5987369392383787, 0.14989025404881545, 0.0059205292203339975, 5.2918227477448005e-23]],
  ['epoch // 30', 'epoch', [0, 29, 30, 59, 60, 1000], [0.0, 0.0, 1.0, 1.0, 2.0, 33.0]],
  ['min(1.0, (epoch + 1) / 5)', 'epoch', [0, 1, 3, 4, 10], [0.2, 0.4, 0.8, 1.0, 1.0]],
  ['(epoch + 1) / 4 if epoch < 4 else 0.5 * (1 + cos(pi * (epoch - 4) / 16))', 'epoch', [0, 1, 3, 4, 5, 10, 12, 19, 20, 21], [0.25, 0.5, 1.0, 1.0, 0.9903926402016152, 0.6913417161825449, 0.5, 0.009607359798384785, 0.0, 0.009607359798384785]],
  ['1 / sqrt(max(epoch, 1))', 'epoch', [0, 1, 2, 3, 100, 4000], [1.0, 1.0, 0.7071067811865475, 0.5773502691896258, 0.1, 0.015811388300841896]],
  ['1 - 0.01 * epoch', 'epoch', [0, 1, 7, 50, 100, 150], [1.0, 0.99, 0.9299999999999999, 0.5, 0.0, -0.5]],
  ['1 / (2.0 ** (x - 1))', 'x', [1, 2, 3, 10, 100], [1.0, 0.5, 0.25, 0.001953125, 1.5777218104420236e-30]],
  ['0.97 ** x', 'x', [0, 1, 5, 100, 1000], [1.0, 0.97, 0.8587340256999999, 0.04755250792540563, 5.91199783361992e-14]],
  ['0.1 ** (epoch // 30)', 'epoch', [0, 30, 61, 95], [1.0, 0.1, 0.010000000000000002, 0.0010000000000000002]],
  ['exp(-0.05 * epoch)', 'epoch', [0, 1, 20, 100], [1.0, 0.951229424500714, 0.36787944117144233, 0.006737946999085467]],
  ['(1 - epoch / 100) ** 0.9', 'epoch', [0, 50, 99, 100], [1.0, 0.5358867312681466, 0.015848931924611145, 0.0]],
  ['max(0.0, 1 - epoch / 100) ** 2', 'epoch', [0, 50, 150], [1.0, 0.25, 0.0]],
  ['log(epoch + 1) / log(2)', 'epoch', [0, 1, 7, 1023], [0.0, 1.0, 3.0, 10.0]],
  ['log(epoch + 1, 2)', 'epoch', [0, 1, 7, 1023], [0.0, 1.0, 3.0, 10.0]],
];

const PRECEDENCE: Row[] = [
  ['-2 ** 2', 'x', [0], [-4.0]],
  ['2 ** -1', 'x', [0], [0.5]],
  ['2 ** 3 ** 2', 'x', [0], [512.0]],
  ['(2 ** 3) ** 2', 'x', [0], [64.0]],
  ['-2 ** -2', 'x', [0], [-0.25]],
  ['2 ** -2 ** 2', 'x', [0], [0.0625]],
  ['7 // -2', 'x', [0], [-4.0]],
  ['-7 // 2', 'x', [0], [-4.0]],
  ['-7 % 3', 'x', [0], [2.0]],
  ['7 % -3', 'x', [0], [-2.0]],
  ['7.5 % -2', 'x', [0], [-0.5]],
  ['-7.5 // 2', 'x', [0], [-4.0]],
  ['1 + 2 * 3', 'x', [0], [7.0]],
  ['(1 + 2) * 3', 'x', [0], [9.0]],
  ['10 - 4 - 3', 'x', [0], [3.0]],
  ['2 * 3 % 4', 'x', [0], [2.0]],
  ['100 / 10 / 5', 'x', [0], [2.0]],
  ['2 * 3 ** 2', 'x', [0], [18.0]],
  ['-3 ** 2 * 2', 'x', [0], [-18.0]],
  ['- - 3', 'x', [0], [3.0]],
  ['+-+2', 'x', [0], [-2.0]],
  ['1 < 2 < 3', 'x', [0], [1.0]],
  ['3 > 2 > 1', 'x', [0], [1.0]],
  ['1 < 3 > 2', 'x', [0], [1.0]],
  ['1 < 2 > 3', 'x', [0], [0.0]],
  ['1 == 1.0 != 2', 'x', [0], [1.0]],
  ['2 <= 2 >= 2 == 2', 'x', [0], [1.0]],
  ['1 < 2 == 2 < 3', 'x', [0], [1.0]],
  ['not 1 < 2', 'x', [0], [0.0]],
  ['not 0', 'x', [0], [1.0]],
  ['not 2', 'x', [0], [0.0]],
  ['not not 3', 'x', [0], [1.0]],
  ['0 or 5', 'x', [0], [5.0]],
  ['2 and 3', 'x', [0], [3.0]],
  ['0 and 5', 'x', [0], [0.0]],
  ['3 or 4', 'x', [0], [3.0]],
  ['0 or 0.0', 'x', [0], [0.0]],
  ['0.0 or -0.0', 'x', [0], ['-0']],
  ['1 and 2 or 3', 'x', [0], [2.0]],
  ['0 and 2 or 3', 'x', [0], [3.0]],
  ['not 0 and 5', 'x', [0], [5.0]],
  ['1 + 2 < 4 and 2 * 3 > 5', 'x', [0], [1.0]],
  ['1 if 0 else 2', 'x', [0], [2.0]],
  ['1 if 2 else 3 if 0 else 4', 'x', [0], [1.0]],
  ['(1 if 0 else 2) * 10', 'x', [0], [20.0]],
  ['1 if 0 else 2 * 10', 'x', [0], [20.0]],
  ['0 or 1 if 0 else 2', 'x', [0], [2.0]],
];

const LAZINESS: Row[] = [
  ['1 > 2 < 1 / 0', 'x', [0], [0.0]],
  ['0 and 1 / 0', 'x', [0], [0.0]],
  ['1 or 1 / 0', 'x', [0], [1.0]],
  ['1 if 1 else 1 / 0', 'x', [0], [1.0]],
  ['1 / 0 if 0 else 2', 'x', [0], [2.0]],
  ['1 < 0 < 1 // 0', 'x', [0], [0.0]],
  ['1 if epoch == 0 else 1 / epoch', 'epoch', [0, 4], [1.0, 0.25]],
];

const INT_AND_FLOAT: Row[] = [
  ['-0', 'x', [0], [0.0]],
  ['0 * -1', 'x', [0], [0.0]],
  ['0 * -1.5', 'x', [0], ['-0']],
  ['-0.0', 'x', [0], ['-0']],
  ['-0.0 + 0', 'x', [0], [0.0]],
  ['0 // -5', 'x', [0], [0.0]],
  ['0.0 // -5', 'x', [0], ['-0']],
  ['0 % -5', 'x', [0], [0.0]],
  ['5 % -5', 'x', [0], [0.0]],
  ['5.0 % -5', 'x', [0], ['-0']],
  ['-5.0 % 5', 'x', [0], [0.0]],
  ['floor(-0.5)', 'x', [0], [-1.0]],
  ['ceil(-0.5)', 'x', [0], [0.0]],
  ['abs(-0.0)', 'x', [0], [0.0]],
  ['3 ** 40 / 7', 'x', [0], [1.736809351293847e+18]],
  ['3 ** 40', 'x', [0], [1.2157665459056929e+19]],
  ['2 ** 64 + 1 - 2 ** 64', 'x', [0], [1.0]],
  ['(2 ** 64 + 1) / 2 ** 64', 'x', [0], [1.0]],
  ['10 ** 400 / 10 ** 399', 'x', [0], [10.0]],
  ['10 ** 400 // 10 ** 399', 'x', [0], [10.0]],
  ['log(10 ** 400)', 'x', [0], [921.0340371976182]],
  ['log(2 ** 2000, 2)', 'x', [0], [2000.0000000000002]],
  ['9007199254740993 - 9007199254740992', 'x', [0], [1.0]],
  ['9007199254740993 == 9007199254740992.0', 'x', [0], [0.0]],
  ['9007199254740993 > 9007199254740992.0', 'x', [0], [1.0]],
  ['2 ** 1023 * 2 > 1e308', 'x', [0], [1.0]],
  ['10 ** 400 > 1e308', 'x', [0], [1.0]],
  ['True + True', 'x', [0], [2.0]],
  ['True / 2', 'x', [0], [0.5]],
  ['7 // 2 * 1.0', 'x', [0], [3.0]],
  ['1 / 3', 'x', [0], [0.3333333333333333]],
  ['2 ** 0.5', 'x', [0], [1.4142135623730951]],
  ['4 ** 0.5', 'x', [0], [2.0]],
  ['8 ** (1 / 3)', 'x', [0], [2.0]],
  ['10 ** -2', 'x', [0], [0.01]],
  ['0 ** 0', 'x', [0], [1.0]],
  ['0.0 ** 0', 'x', [0], [1.0]],
  ['1e308 * 10', 'x', [0], [Infinity]],
  ['-1e308 * 10', 'x', [0], [-Infinity]],
  ['1e308 * 10 - 1e308 * 10', 'x', [0], [NaN]],
  ['floor(2.5) / 2', 'x', [0], [1.0]],
  ['floor(1e20) + 1 - floor(1e20)', 'x', [0], [1.0]],
  ['ceil(1e300) / 1e300', 'x', [0], [1.0]],
  ['abs(-(2 ** 70)) / 2 ** 70', 'x', [0], [1.0]],
  ['min(1, 1.0)', 'x', [0], [1.0]],
  ['max(1.0, 1)', 'x', [0], [1.0]],
  ['min(3, 1, 2)', 'x', [0], [1.0]],
  ['max(0, -0.0)', 'x', [0], [0.0]],
  ['max(-0.0, 0)', 'x', [0], ['-0']],
  // CPython takes the quotient from the unadjusted fmod and then subtracts 1; computing it
  // from the adjusted remainder instead differs by an ulp for large quotients like these.
  ['-9855.648228284248 // 7.665421410713383e-13', 'x', [0], [-1.2857281681225968e+16]],
  ['12183383204.913704 // -1.4630978353681081e-06', 'x', [0], [-8327114503486656.0]],
  ['-4.100591924371918e+16 // 2.636967926703485', 'x', [0], [-1.5550405004349572e+16]],
];

const SPECIAL_VALUES: Row[] = [
  ['1 ** x', 'x', [NaN, Infinity, -Infinity, -0], [1.0, 1.0, 1.0, 1.0]],
  ['x ** 0', 'x', [NaN, Infinity, -Infinity, -0], [1.0, 1.0, 1.0, 1.0]],
  ['x ** 1', 'x', [NaN, Infinity, -Infinity, -0], [NaN, Infinity, -Infinity, -0]],
  ['min(x, 1)', 'x', [NaN, Infinity, -Infinity, -0], [NaN, 1.0, -Infinity, -0]],
  ['min(1, x)', 'x', [NaN, Infinity, -Infinity, -0], [1.0, 1.0, -Infinity, -0]],
  ['max(x, 1)', 'x', [NaN, Infinity, -Infinity, -0], [NaN, Infinity, 1.0, 1.0]],
  ['max(1, x)', 'x', [NaN, Infinity, -Infinity, -0], [1.0, Infinity, 1.0, 1.0]],
  ['x != x', 'x', [NaN, Infinity, -Infinity, -0], [1.0, 0.0, 0.0, 0.0]],
  ['x == x', 'x', [NaN, Infinity, -Infinity, -0], [0.0, 1.0, 1.0, 1.0]],
  ['not x', 'x', [NaN, Infinity, -Infinity, -0], [0.0, 0.0, 0.0, 1.0]],
  ['x or 5', 'x', [NaN, Infinity, -Infinity, -0], [NaN, Infinity, -Infinity, 5.0]],
  ['x and 5', 'x', [NaN, Infinity, -Infinity, -0], [5.0, 5.0, 5.0, -0]],
  ['1 if x else 2', 'x', [NaN, Infinity, -Infinity, -0], [1.0, 1.0, 1.0, 2.0]],
  ['x * 0', 'x', [NaN, Infinity, -Infinity, -0], [NaN, NaN, NaN, -0]],
  ['x % 5', 'x', [NaN, Infinity, -Infinity, -0], [NaN, NaN, NaN, 0.0]],
  ['x // 5', 'x', [NaN, Infinity, -Infinity, -0], [NaN, NaN, NaN, -0]],
  ['5 % x', 'x', [NaN, Infinity, -Infinity, -0], [NaN, 5.0, -Infinity, 'ZeroDivisionError']],
  ['5 // x', 'x', [NaN, Infinity, -Infinity, -0], [NaN, 0.0, -1.0, 'ZeroDivisionError']],
  ['-5 % x', 'x', [NaN, Infinity, -Infinity, -0], [NaN, Infinity, -5.0, 'ZeroDivisionError']],
  ['-5 // x', 'x', [NaN, Infinity, -Infinity, -0], [NaN, -1.0, 0.0, 'ZeroDivisionError']],
  ['abs(x)', 'x', [NaN, Infinity, -Infinity, -0], [NaN, Infinity, Infinity, 0.0]],
  ['exp(x)', 'x', [NaN, Infinity, -Infinity, -0], [NaN, Infinity, 0.0, 1.0]],
  ['log(x)', 'x', [NaN, Infinity, -Infinity, -0], [NaN, Infinity, 'ValueError', 'ValueError']],
  ['sqrt(x)', 'x', [NaN, Infinity, -Infinity, -0], [NaN, Infinity, 'ValueError', -0]],
  ['0.5 ** x', 'x', [NaN, Infinity, -Infinity, -0], [NaN, 0.0, Infinity, 1.0]],
  ['2 ** x', 'x', [NaN, Infinity, -Infinity, -0], [NaN, Infinity, 0.0, 1.0]],
  ['(-2) ** x', 'x', [NaN, Infinity, -Infinity, -0], [NaN, Infinity, 0.0, 1.0]],
  ['(-0.5) ** x', 'x', [NaN, Infinity, -Infinity, -0], [NaN, 0.0, Infinity, 1.0]],
  ['x ** -1', 'x', [NaN, Infinity, -Infinity, -0], [NaN, 0.0, -0, 'ZeroDivisionError']],
  ['x ** 0.5', 'x', [NaN, Infinity, -Infinity, -0], [NaN, Infinity, Infinity, 0.0]],
  ['x ** 3', 'x', [NaN, Infinity, -Infinity, -0], [NaN, Infinity, -Infinity, -0]],
];

const ERRORS: Row[] = [
  ['1 / epoch', 'epoch', [0, 0.0], ['ZeroDivisionError', 'ZeroDivisionError']],
  ['epoch // 0', 'epoch', [1, 1.5], ['ZeroDivisionError', 'ZeroDivisionError']],
  ['epoch % 0.0', 'epoch', [1], ['ZeroDivisionError']],
  ['log(epoch)', 'epoch', [0, -1, -0], ['ValueError', 'ValueError', 'ValueError']],
  ['sqrt(epoch)', 'epoch', [-1, -1e-300], ['ValueError', 'ValueError']],
  ['(-8) ** (1/3)', 'x', [0], ['complex']],
  ['x ** 0.5', 'x', [-4], ['complex']],
  ['floor(epoch)', 'epoch', [NaN, Infinity], ['ValueError', 'OverflowError']],
  ['ceil(epoch)', 'epoch', [-Infinity], ['OverflowError']],
  ['exp(epoch)', 'epoch', [710, 1000], ['OverflowError', 'OverflowError']],
  ['0 ** -1', 'x', [0], ['ZeroDivisionError']],
  ['0.0 ** -2', 'x', [0], ['ZeroDivisionError']],
  ['10.0 ** 400', 'x', [0], ['OverflowError']],
  ['sin(x)', 'x', [Infinity], ['ValueError']],
  ['cos(x)', 'x', [-Infinity], ['ValueError']],
  ['tan(x)', 'x', [Infinity], ['ValueError']],
  ['log(x, 1)', 'x', [5], ['ZeroDivisionError']],
  ['log(x, 0)', 'x', [5], ['ValueError']],
  ['2 ** 1024 * 1.0', 'x', [0], ['OverflowError']],
  ['10 ** 400 / 3', 'x', [0], ['OverflowError']],
];
describe('lambdas users write', () => check(LAMBDAS));
describe('precedence and associativity', () => check(PRECEDENCE));
describe('laziness: only what Python evaluates is evaluated', () => check(LAZINESS));
describe("Python's ints and floats", () => check(INT_AND_FLOAT));
describe('NaN, infinities and -0 through the variable', () => check(SPECIAL_VALUES));
describe('errors Python raises', () => check(ERRORS));

describe('the variable', () => {
  it('is bound as an int when whole, so int-only results (exact //, no -0) follow', () => {
    // Python: (lambda epoch: epoch * -1)(0) is 0, (lambda epoch: epoch * -1)(0.0) would be -0.0.
    expect(Object.is(compileExpression('epoch * -1', 'epoch').evaluate(0), 0)).toBe(true);
    expect(Object.is(compileExpression('epoch * -1', 'epoch').evaluate(-0), 0)).toBe(true);
    expect(compileExpression('epoch ** 3 - (epoch ** 3 - 1)', 'epoch').evaluate(2 ** 40)).toBe(1);
  });

  it('shadows pi and the functions, as a lambda parameter does', () => {
    expect(compileExpression('pi * 2', 'pi').evaluate(3)).toBe(6);
    expect(compileExpression('min + 1', 'min').evaluate(1)).toBe(2);
  });

  it('accepts the notations Python accepts for numbers', () => {
    const sources = ['1_000', '1_000.5', '.5', '1.', '1e-3', '2E+5', '1.e2', '00', '0.0_1', '1e1_0'];
    expect(sources.map((s) => compileExpression(s, 'x').evaluate(0))).toEqual([
      1000, 1000.5, 0.5, 1, 0.001, 200000, 100, 0, 0.01, 1e10,
    ]);
  });

  it('accepts whitespace, including newlines, between tokens, and a trailing comma in calls', () => {
    expect(compileExpression(' \tmin(\n  epoch,\r\n  3,\n)\f', 'epoch').evaluate(5)).toBe(3);
  });

  it('keeps its source', () => {
    expect(compileExpression('epoch // 30', 'epoch').source).toBe('epoch // 30');
  });
});
