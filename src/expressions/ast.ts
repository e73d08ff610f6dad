/** The syntax tree the parser builds. `position` is where the node's source starts (for operators, the operator). */

import type { FunctionName } from './builtins.js';

export type BinaryOperator = '+' | '-' | '*' | '/' | '//' | '%' | '**';
export type CompareOperator = '<' | '<=' | '>' | '>=' | '==' | '!=';

interface NodeBase {
  readonly position: number;
}

/** An int literal, True or False. */
export interface IntegerNode extends NodeBase {
  readonly type: 'integer';
  readonly value: bigint;
}

/** A float literal, or pi. */
export interface FloatNode extends NodeBase {
  readonly type: 'float';
  readonly value: number;
}

export interface VariableNode extends NodeBase {
  readonly type: 'variable';
}

export interface UnaryNode extends NodeBase {
  readonly type: 'unary';
  readonly operator: '-' | '+';
  readonly operand: Node;
}

export interface NotNode extends NodeBase {
  readonly type: 'not';
  readonly operand: Node;
}

export interface BinaryNode extends NodeBase {
  readonly type: 'binary';
  readonly operator: BinaryOperator;
  readonly left: Node;
  readonly right: Node;
}

/** `a and b and c` or `a or b or c`: one node, since Python returns the first operand that decides. */
export interface BooleanNode extends NodeBase {
  readonly type: 'boolean';
  readonly operator: 'and' | 'or';
  readonly operands: readonly Node[];
}

/** `a < b <= c`: Python's chain, each middle operand evaluated once. */
export interface CompareNode extends NodeBase {
  readonly type: 'compare';
  readonly first: Node;
  readonly operators: readonly CompareOperator[];
  readonly rest: readonly Node[];
}

/** `body if test else orelse`. */
export interface ConditionalNode extends NodeBase {
  readonly type: 'conditional';
  readonly test: Node;
  readonly body: Node;
  readonly orelse: Node;
}

export interface CallNode extends NodeBase {
  readonly type: 'call';
  readonly name: FunctionName;
  readonly args: readonly Node[];
}

export type Node =
  | IntegerNode
  | FloatNode
  | VariableNode
  | UnaryNode
  | NotNode
  | BinaryNode
  | BooleanNode
  | CompareNode
  | ConditionalNode
  | CallNode;
