import { describe, expect, it } from 'vitest';
import {
  compileExpression,
  ExpressionEvaluationError,
  ExpressionSyntaxError,
  MAX_EXPRESSION_DEPTH,
  MAX_EXPRESSION_LENGTH,
} from '../../src/expressions/index.js';

function syntaxError(source: string, variable = 'epoch'): ExpressionSyntaxError {
  try {
    compileExpression(source, variable);
  } catch (error) {
    if (error instanceof ExpressionSyntaxError) return error;
    throw error;
  }
  throw new Error(`${JSON.stringify(source)} compiled`);
}

function evaluationError(source: string, value: number, variable = 'epoch'): ExpressionEvaluationError {
  const compiled = compileExpression(source, variable);
  try {
    compiled.evaluate(value);
  } catch (error) {
    if (error instanceof ExpressionEvaluationError) return error;
    throw error;
  }
  throw new Error(`${source} evaluated at ${value}`);
}

describe('syntax errors name the position', () => {
  // [source, position, the message, or a part of it]
  const cases: [string, number, string][] = [
    ['1 +', 3, 'unexpected end of expression at position 3'],
    ['(1', 2, "expected ')' to close the '(' at position 0, found end of expression at position 2"],
    ['1 )', 2, "unexpected ')' at position 2"],
    ['epoch.real', 5, "attribute access ('.') is not supported at position 5"],
    [
      "__import__('os')",
      0,
      "unknown name '__import__' at position 0 (only 'epoch', 'pi', 'True', 'False' and the functions min, max, abs, floor, ceil, exp, log, sqrt, sin, cos, tan are available)",
    ],
    ['foo(1)', 0, "unknown name 'foo' at position 0"],
    ['epoch + os.system', 8, "unknown name 'os' at position 8"],
    ['eval("1")', 0, "unknown name 'eval' at position 0"],
    ['min(1)', 0, 'min() at position 0 needs at least 2 arguments, got 1'],
    ['1 + sqrt()', 4, 'sqrt() at position 4 takes exactly 1 argument, got 0'],
    ['log(1, 2, 3)', 0, 'log() at position 0 takes 1 or 2 arguments, got 3'],
    ['abs(1, 2)', 0, 'abs() at position 0 takes exactly 1 argument, got 2'],
    ['"s"', 0, 'strings are not supported at position 0'],
    ["epoch + 's'", 8, 'strings are not supported at position 8'],
    ['lambda: 1', 0, "'lambda' is not supported at position 0"],
    ['epoch[0]', 5, "'[' is not supported at position 5 (no subscripts or lists)"],
    ['[1]', 0, "'[' is not supported"],
    ['{1: 2}', 0, "'{' is not supported"],
    ['', 0, 'expression is empty at position 0'],
    [' \t\n ', 0, 'expression is empty'],
    ['x', 0, "unknown name 'x' at position 0"],
    ['epoch = 1', 6, "'=' is not supported at position 6 (use '==' to compare)"],
    ['epoch += 1', 6, "'+=' is not supported at position 6 (no assignment)"],
    ['(epoch := 1)', 7, "':=' is not supported at position 7 (no assignment expressions)"],
    ['min(epoch=1, 2)', 9, 'keyword arguments are not supported at position 9'],
    ['min(*epoch)', 4, 'starred arguments are not supported at position 4'],
    ['epoch & 1', 6, "bitwise operator '&' is not supported at position 6"],
    ['epoch ^ 2', 6, "bitwise operator '^' is not supported at position 6 (use '**' for powers)"],
    ['~epoch', 0, "bitwise operator '~' is not supported at position 0"],
    ['epoch << 1', 6, "bitwise operator '<<' is not supported"],
    ['epoch is 1', 6, "'is' is not supported at position 6"],
    ['epoch in 1', 6, "'in' is not supported at position 6"],
    ['epoch not in 1', 6, "'not in' is not supported at position 6"],
    ['None', 0, "'None' is not supported at position 0"],
    ['1 # comment', 2, 'comments are not supported at position 2'],
    ['1 + \\\n 2', 4, "line continuations ('\\') are not supported at position 4"],
    ['01', 0, "invalid number '01' at position 0 (integers cannot have leading zeros)"],
    ['1__0', 0, "invalid number '1__0' at position 0"],
    ['1_', 0, "invalid number '1_' at position 0"],
    ['1e', 0, "invalid number '1e' at position 0"],
    ['2 * 1abc', 4, "invalid number '1abc' at position 4"],
    ['0x10', 0, 'hexadecimal, octal and binary numbers are not supported at position 0'],
    ['1j', 0, 'complex numbers are not supported at position 0'],
    ['1.5.2', 3, 'unexpected number .2 at position 3'],
    ['epoch + é', 8, "unexpected character 'é' (U+00E9) at position 8"],
    ['\u0000', 0, 'unexpected character U+0000 at position 0'],
    ['1 + \u{1F600}', 4, "unexpected character '\u{1F600}' (U+1F600) at position 4"],
    ['epoch $ 2', 6, "unexpected character '$' at position 6"],
    ['min', 0, "'min' is a function and must be called, as in min(a, b) at position 0"],
    ['epoch(2)', 5, "unexpected '(' at position 5 (only the functions min, max"],
    ['(1)(2)', 3, "unexpected '(' at position 3"],
    ['1 if epoch', 10, "expected 'else' for the 'if' at position 2, found end of expression at position 10"],
    ['1 if 2 if 3 else 4 else 5', 7, "expected 'else' for the 'if' at position 2, found 'if' at position 7"],
    ['1 2', 2, 'unexpected number 2 at position 2'],
    ['epoch epoch', 6, "unexpected 'epoch' at position 6"],
    ['()', 1, "unexpected ')' at position 1"],
    ['(1, 2)', 2, 'tuples are not supported at position 2'],
    ['not', 3, 'unexpected end of expression at position 3'],
    ['1 + * 2', 4, "unexpected '*' at position 4"],
    ['1 < not 2', 4, "unexpected 'not' at position 4"],
    ['min(1,,2)', 6, "unexpected ',' at position 6"],
    ['min(1 2)', 6, "expected ',' or ')' in the call to min() at position 0, found number 2 at position 6"],
    ['- not 1', 2, "unexpected 'not' at position 2"],
  ];

  for (const [source, position, message] of cases) {
    it(JSON.stringify(source), () => {
      const error = syntaxError(source);
      expect(error.position).toBe(position);
      expect(error.message).toContain(message);
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe('ExpressionSyntaxError');
    });
  }
});

describe('limits', () => {
  it('accepts expressions up to MAX_EXPRESSION_LENGTH characters and refuses longer ones', () => {
    expect(MAX_EXPRESSION_LENGTH).toBe(1000);
    const longest = `${'1+'.repeat(499)}1 `;
    expect(longest.length).toBe(1000);
    expect(compileExpression(longest, 'epoch').evaluate(0)).toBe(500);
    const error = syntaxError(`${longest}+1`);
    expect(error.message).toBe('expression is longer than 1000 characters (it has 1002)');
    expect(error.position).toBe(1000);
    expect(syntaxError('('.repeat(1_000_000)).message).toContain('longer than 1000 characters');
  });

  it('accepts MAX_EXPRESSION_DEPTH levels of nesting and refuses one more, at the level that overflows', () => {
    expect(MAX_EXPRESSION_DEPTH).toBe(64);
    const nested = (open: string, close: string, depth: number) => `${open.repeat(depth)}1${close.repeat(depth)}`;
    expect(compileExpression(nested('(', ')', 64), 'epoch').evaluate(0)).toBe(1);
    const error = syntaxError(nested('(', ')', 65));
    expect(error.message).toBe('expression nests deeper than 64 levels at position 64');
    expect(error.position).toBe(64);
    expect(compileExpression(nested('-', '', 64), 'epoch').evaluate(0)).toBe(1);
    expect(syntaxError(nested('-', '', 65)).position).toBe(64);
    expect(syntaxError(nested('not ', '', 65)).position).toBe(256);
    expect(syntaxError(`${'2 ** '.repeat(65)}1`).message).toContain('nests deeper than 64 levels');
    expect(syntaxError(`${'1 if 0 else '.repeat(65)}1`).message).toContain('nests deeper than 64 levels');
    expect(syntaxError(nested('min(1, ', ')', 65)).message).toContain('nests deeper than 64 levels');
  });

  it('does not count flat chains of operators as nesting', () => {
    expect(compileExpression(Array(400).fill('x').join('+'), 'x').evaluate(1)).toBe(400);
    expect(compileExpression(Array(300).fill('x').join('<'), 'x').evaluate(1)).toBe(0);
    expect(compileExpression(Array(200).fill('x').join(' or '), 'x').evaluate(0)).toBe(0);
  });

  it('refuses a variable name that is not a Python identifier, or is a keyword', () => {
    for (const name of ['', 'not valid', '1x', 'if', 'lambda', 'True', 'é']) {
      expect(() => compileExpression('1', name)).toThrow(ExpressionSyntaxError);
    }
  });
});

describe('evaluation errors', () => {
  // [source, value, kind, message]
  const cases: [string, number, string, string][] = [
    ['1 / epoch', 0, 'ZeroDivisionError', 'ZeroDivisionError: division by zero'],
    ['1.0 / epoch', 0, 'ZeroDivisionError', 'ZeroDivisionError: float division by zero'],
    ['epoch // 0', 3, 'ZeroDivisionError', 'ZeroDivisionError: integer division or modulo by zero'],
    ['epoch % 0.0', 3, 'ZeroDivisionError', 'ZeroDivisionError: float modulo'],
    ['0.0 ** -epoch', 1, 'ZeroDivisionError', 'ZeroDivisionError: 0.0 cannot be raised to a negative power'],
    ['log(epoch)', 0, 'ValueError', 'ValueError: math domain error'],
    ['sqrt(epoch)', -1, 'ValueError', 'ValueError: math domain error'],
    ['floor(epoch)', NaN, 'ValueError', 'ValueError: cannot convert float NaN to integer'],
    ['floor(epoch)', Infinity, 'OverflowError', 'OverflowError: cannot convert float infinity to integer'],
    ['exp(epoch)', 1000, 'OverflowError', 'OverflowError: math range error'],
    ['1.5 ** epoch', 2000, 'OverflowError', 'OverflowError: numerical result out of range'],
    ['2 ** 1024 + 0.5', 0, 'OverflowError', 'OverflowError: int too large to convert to float'],
    ['(-8) ** (1/3)', 0, 'ComplexResult', 'complex result: -8 ** 0.3333333333333333 is a complex number in Python'],
    ['epoch ** 0.5', -4, 'ComplexResult', 'complex result'],
    ['(-10.0) ** 1000.5', 0, 'OverflowError', 'OverflowError: complex exponentiation'],
    ['2 ** 100000', 0, 'LimitExceeded', 'integer too large'],
    ['sin(epoch)', Infinity, 'ValueError', 'ValueError: math domain error'],
  ];

  for (const [source, value, kind, message] of cases) {
    it(`${source} at ${value}`, () => {
      const error = evaluationError(source, value);
      expect(error.kind).toBe(kind);
      expect(error.message).toContain(message);
      expect(error.name).toBe('ExpressionEvaluationError');
    });
  }

  it('converts an int result to float as PyTorch does, refusing ints beyond the doubles', () => {
    // PyTorch computes base_lr * lmbda(epoch): float * int raises OverflowError past 2^1024.
    expect(compileExpression('2 ** 1023', 'epoch').evaluate(0)).toBe(2 ** 1023);
    expect(evaluationError('2 ** 1024', 0).kind).toBe('OverflowError');
  });

  it('leaves non-finite results to the caller, as Python returns them', () => {
    expect(compileExpression('1e308 * epoch', 'epoch').evaluate(10)).toBe(Infinity);
    expect(compileExpression('epoch - epoch', 'epoch').evaluate(Infinity)).toBeNaN();
  });
});
