/**
 * Turns the syntax tree into a tree of closures once, so that each of the ~10^5
 * evaluations of a preview is a walk over closures with no dispatch on node types and
 * no allocation: every closure writes into a PyValue it owns and returns it.
 *
 * That sharing is safe because a closure only overwrites values owned by its own
 * subtree: a parent reading its left operand's value while evaluating the right
 * operand is reading something the right subtree cannot touch.
 */

import type { BinaryOperator, CompareOperator, Node } from './ast.js';
import { FUNCTIONS, type Thunk } from './functions.js';
import {
  add,
  equal,
  floorDivide,
  greaterOrEqual,
  greaterThan,
  lessOrEqual,
  lessThan,
  modulo,
  multiply,
  negate,
  notEqual,
  power,
  subtract,
  trueDivide,
  type BinaryOperation,
  type Comparison,
} from './operators.js';
import { isTruthy, newValue, setBigInt, setBool, setFloat, setIntegral, toFloat, type PyValue } from './values.js';

const BINARY: Readonly<Record<BinaryOperator, BinaryOperation>> = {
  '+': add,
  '-': subtract,
  '*': multiply,
  '/': trueDivide,
  '//': floorDivide,
  '%': modulo,
  '**': power,
};

const COMPARISONS: Readonly<Record<CompareOperator, Comparison>> = {
  '<': lessThan,
  '<=': lessOrEqual,
  '>': greaterThan,
  '>=': greaterOrEqual,
  '==': equal,
  '!=': notEqual,
};

/** What every node's closure shares: the variable's value, and the operations counted so far. */
interface Scope {
  readonly input: PyValue;
  operations: number;
}

/**
 * Calls into the correctly rounded libm (exp, log, sin, cos, tan, and float **) take
 * ~0.5 µs, as long as 16 of the other operations; that is what they count for.
 */
const LIBM_OPERATIONS = 16;
const LIBM_FUNCTIONS: ReadonlySet<string> = new Set(['exp', 'log', 'sin', 'cos', 'tan']);

function operationsOf(node: Node): number {
  const callsLibm =
    (node.type === 'call' && LIBM_FUNCTIONS.has(node.name)) || (node.type === 'binary' && node.operator === '**');
  return callsLibm ? LIBM_OPERATIONS : 1;
}

function build(node: Node, scope: Scope): Thunk {
  scope.operations += operationsOf(node);
  switch (node.type) {
    case 'integer': {
      const value = setBigInt(newValue(), node.value);
      return () => value;
    }
    case 'float': {
      const value = setFloat(newValue(), node.value);
      return () => value;
    }
    case 'variable': {
      const { input } = scope;
      return () => input;
    }
    case 'unary': {
      const operand = build(node.operand, scope);
      if (node.operator === '+') return operand; // +x is x, for ints and floats alike
      const out = newValue();
      return () => negate(out, operand());
    }
    case 'not': {
      const operand = build(node.operand, scope);
      const out = newValue();
      return () => setBool(out, !isTruthy(operand()));
    }
    case 'binary': {
      const left = build(node.left, scope);
      const right = build(node.right, scope);
      const operation = BINARY[node.operator];
      const out = newValue();
      return () => operation(out, left(), right());
    }
    case 'boolean': {
      const operands = node.operands.map((operand) => build(operand, scope));
      // Python returns the operand that decided, not a bool: `0 or 5` is 5, `2 and 3` is 3.
      const stopWhenTruthy = node.operator === 'or';
      return () => {
        let value = (operands[0] as Thunk)();
        for (let i = 1; i < operands.length && isTruthy(value) !== stopWhenTruthy; i++) {
          value = (operands[i] as Thunk)();
        }
        return value;
      };
    }
    case 'compare': {
      const first = build(node.first, scope);
      const rest = node.rest.map((operand) => build(operand, scope));
      const comparisons = node.operators.map((operator) => COMPARISONS[operator]);
      const out = newValue();
      return () => {
        // a < b < c is a < b and b < c, with b evaluated once and c not at all if a < b fails.
        let left = first();
        for (let i = 0; i < rest.length; i++) {
          const right = (rest[i] as Thunk)();
          if (!(comparisons[i] as Comparison)(left, right)) return setBool(out, false);
          left = right;
        }
        return setBool(out, true);
      };
    }
    case 'conditional': {
      const test = build(node.test, scope);
      const body = build(node.body, scope);
      const orelse = build(node.orelse, scope);
      return () => (isTruthy(test()) ? body() : orelse());
    }
    case 'call': {
      const args = node.args.map((arg) => build(arg, scope));
      return FUNCTIONS[node.name](args, newValue());
    }
  }
}

/**
 * The evaluator for a parsed expression. The variable is bound as a Python int when the
 * value is a whole number (PyTorch passes the epoch, and CyclicLR's x, as ints) and as a
 * float otherwise (fractions, -0, NaN, ±Infinity); the result is converted to float as
 * PyTorch's `base_lr * lmbda(epoch)` does. `operations` counts the syntax tree's nodes,
 * libm calls as LIBM_OPERATIONS: no evaluation runs more than that, which makes it the
 * expression's cost per call (big-integer work aside, which work-meter.ts meters).
 */
export function buildEvaluator(root: Node): { evaluate: (value: number) => number; operations: number } {
  const scope: Scope = { input: newValue(), operations: 0 };
  const evaluateRoot = build(root, scope);
  const { input } = scope;
  const evaluate = (value: number): number => {
    if (Number.isInteger(value) && !Object.is(value, -0)) setIntegral(input, value);
    else setFloat(input, value);
    return toFloat(evaluateRoot());
  };
  return { evaluate, operations: scope.operations };
}
