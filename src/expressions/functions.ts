/**
 * The callable functions on PyValues, with Python's behaviour: builtins min, max and abs
 * keep the type of what they return; math.floor and math.ceil return ints; the other
 * math functions convert ints to float first (OverflowError beyond the doubles), except
 * math.log, which takes the logarithm of any positive int.
 */

import type { FunctionName } from './builtins.js';
import { floatDivide, mathCos, mathExp, mathLog, mathSin, mathSqrt, mathTan, pythonError } from '../numerics/index.js';
import { logOfHugeInt } from './python-int.js';
import { greaterThan, lessThan, type Comparison } from './operators.js';
import { BIG, FLOAT, INT, setBigInt, setFloat, setInt, setIntegral, toFloat, type PyValue } from './values.js';

export type Thunk = () => PyValue;

/** Builds the evaluator of a call from its arguments' evaluators; each call node owns `out`. */
type FunctionBuilder = (args: readonly Thunk[], out: PyValue) => Thunk;

function floatFunction(f: (x: number) => number): FunctionBuilder {
  return ([arg], out) => {
    const x = arg as Thunk;
    return () => setFloat(out, f(toFloat(x())));
  };
}

/**
 * builtins.min/max: the first argument that no later one beats. Every comparison with NaN
 * is false, so a NaN wins only in first place: max(nan, 1) is nan, max(1, nan) is 1.
 */
function extremum(beats: Comparison): FunctionBuilder {
  return (args) => () => {
    let best = (args[0] as Thunk)();
    for (let i = 1; i < args.length; i++) {
      const candidate = (args[i] as Thunk)();
      if (beats(candidate, best)) best = candidate;
    }
    return best;
  };
}

function toInt(out: PyValue, v: PyValue, round: (x: number) => number): PyValue {
  if (v.kind !== FLOAT) return v;
  const x = v.num;
  if (x !== x) throw pythonError('ValueError', 'cannot convert float NaN to integer');
  if (x === Infinity || x === -Infinity) throw pythonError('OverflowError', 'cannot convert float infinity to integer');
  return setIntegral(out, round(x));
}

/** math.log of any value, as CPython's loghelper: ints are checked for sign and may exceed the doubles. */
function logOf(v: PyValue): number {
  if (v.kind !== BIG) {
    if (v.kind === INT && v.num <= 0) throw pythonError('ValueError', 'math domain error');
    return mathLog(v.num);
  }
  if (v.big < 0n) throw pythonError('ValueError', 'math domain error');
  const x = Number(v.big);
  return x === Infinity ? logOfHugeInt(v.big, mathLog) : mathLog(x);
}

export const FUNCTIONS: Record<FunctionName, FunctionBuilder> = {
  min: extremum(lessThan),
  max: extremum(greaterThan),
  abs: ([arg], out) => {
    const x = arg as Thunk;
    return () => {
      const v = x();
      if (v.kind === FLOAT) return setFloat(out, Math.abs(v.num));
      if (v.kind === INT) return setInt(out, Math.abs(v.num));
      return setBigInt(out, v.big < 0n ? -v.big : v.big);
    };
  },
  floor: ([arg], out) => {
    const x = arg as Thunk;
    return () => toInt(out, x(), Math.floor);
  },
  ceil: ([arg], out) => {
    const x = arg as Thunk;
    return () => toInt(out, x(), Math.ceil);
  },
  exp: floatFunction(mathExp),
  sqrt: floatFunction(mathSqrt),
  sin: floatFunction(mathSin),
  cos: floatFunction(mathCos),
  tan: floatFunction(mathTan),
  log: (args, out) => {
    const [x, base] = args as [Thunk, Thunk | undefined];
    if (base === undefined) return () => setFloat(out, logOf(x()));
    return () => {
      // Python evaluates both arguments before math.log looks at either.
      const xv = x();
      const bv = base();
      return setFloat(out, floatDivide(logOf(xv), logOf(bv)));
    };
  },
};
