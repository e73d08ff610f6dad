/**
 * A fast-check generator of well-formed expressions over the whole language, and a
 * printer to Python source that uses no more parentheses than precedence requires
 * (plus some redundant ones), so that the parser's precedence and associativity are
 * what get tested. It shares no code with src/expressions on purpose.
 */

import fc from 'fast-check';

export type BinaryOperator = '+' | '-' | '*' | '/' | '//' | '%' | '**';
export type CompareOperator = '<' | '<=' | '>' | '>=' | '==' | '!=';

export type Expr =
  | { kind: 'literal'; text: string }
  | { kind: 'name'; name: string }
  | { kind: 'unary'; op: '-' | '+' | 'not'; operand: Expr }
  | { kind: 'binary'; op: BinaryOperator; left: Expr; right: Expr }
  | { kind: 'boolean'; op: 'and' | 'or'; operands: Expr[] }
  | { kind: 'compare'; first: Expr; ops: CompareOperator[]; rest: Expr[] }
  | { kind: 'conditional'; body: Expr; test: Expr; orelse: Expr }
  | { kind: 'call'; fn: string; args: Expr[]; trailingComma: boolean }
  | { kind: 'parens'; inner: Expr };

function floatText(x: number): string {
  const text = String(x);
  return /[.e]/.test(text) ? text : `${text}.0`;
}

const integerLiteral = fc.oneof(
  fc.constantFrom('0', '1', '2', '3', '4', '5', '7', '10', '16', '30', '100', '1000', '1_000', '00'),
  fc.constantFrom('9007199254740993', '100000000000000000000', '123456789012345678901234567890'),
  fc.integer({ min: 0, max: 1_000_000 }).map(String),
);

const floatLiteral = fc.oneof(
  fc.constantFrom('0.0', '0.5', '.5', '1.', '1.0', '0.95', '0.97', '0.1', '2.5', '1e-3', '2E+5', '1e5'),
  fc.constantFrom('1e300', '1e-300', '5e-324', '1.7976931348623157e308', '1e400', '3.141592653589793'),
  fc.constantFrom('1_0.5', '0.000_001', '1e1_0', '0.333'),
  fc.double({ min: 0, max: 1000, noNaN: true }).map(floatText),
  fc.double({ min: 0, noNaN: true, noDefaultInfinity: true }).map(floatText),
);

function leaf(variable: string): fc.Arbitrary<Expr> {
  return fc.oneof(
    { arbitrary: fc.constant<Expr>({ kind: 'name', name: variable }), weight: 4 },
    { arbitrary: integerLiteral.map((text): Expr => ({ kind: 'literal', text })), weight: 3 },
    { arbitrary: floatLiteral.map((text): Expr => ({ kind: 'literal', text })), weight: 3 },
    { arbitrary: fc.constantFrom<Expr>(...['pi', 'True', 'False'].map((name) => ({ kind: 'name' as const, name }))), weight: 1 },
  );
}

/** Exponents: mostly small, so that int ** int stays a size Python computes instantly. */
function exponent(variable: string): fc.Arbitrary<Expr> {
  const small = fc.constantFrom('0', '1', '2', '3', '5', '0.5', '1.5', '2.0', '.25', '1e-3', '30');
  const atom = fc.oneof(
    small.map((text): Expr => ({ kind: 'literal', text })),
    fc.constant<Expr>({ kind: 'name', name: variable }),
  );
  return fc.oneof(
    atom,
    atom.map((operand): Expr => ({ kind: 'unary', op: '-', operand })),
    fc.tuple(atom, fc.constantFrom<BinaryOperator>('/', '-', '*'), atom).map(
      ([left, op, right]): Expr => ({ kind: 'parens', inner: { kind: 'binary', op, left, right } }),
    ),
  );
}

const FUNCTIONS: Record<string, [number, number]> = {
  min: [2, 4],
  max: [2, 4],
  abs: [1, 1],
  floor: [1, 1],
  ceil: [1, 1],
  exp: [1, 1],
  log: [1, 2],
  sqrt: [1, 1],
  sin: [1, 1],
  cos: [1, 1],
  tan: [1, 1],
};

export function expressionArbitrary(variable: string, maxDepth = 5): fc.Arbitrary<Expr> {
  const { expr } = fc.letrec<{ expr: Expr }>((tie) => {
    const sub = tie('expr');
    const unary = fc
      .tuple(fc.constantFrom<'-' | '+' | 'not'>('-', '-', '+', 'not'), sub)
      .map(([op, operand]): Expr => ({ kind: 'unary', op, operand }));
    const binary = fc
      .tuple(sub, fc.constantFrom<BinaryOperator>('+', '-', '*', '/', '//', '%'), sub)
      .map(([left, op, right]): Expr => ({ kind: 'binary', op, left, right }));
    const power = fc
      .tuple(sub, fc.oneof({ arbitrary: exponent(variable), weight: 4 }, { arbitrary: sub, weight: 1 }))
      .map(([left, right]): Expr => ({ kind: 'binary', op: '**', left, right }));
    const boolean = fc
      .tuple(fc.constantFrom<'and' | 'or'>('and', 'or'), fc.array(sub, { minLength: 2, maxLength: 3 }))
      .map(([op, operands]): Expr => ({ kind: 'boolean', op, operands }));
    const compare = fc
      .tuple(
        sub,
        fc.array(fc.tuple(fc.constantFrom<CompareOperator>('<', '<=', '>', '>=', '==', '!='), sub), {
          minLength: 1,
          maxLength: 3,
        }),
      )
      .map(([first, pairs]): Expr => ({
        kind: 'compare',
        first,
        ops: pairs.map(([op]) => op),
        rest: pairs.map(([, operand]) => operand),
      }));
    const conditional = fc
      .tuple(sub, sub, sub)
      .map(([body, test, orelse]): Expr => ({ kind: 'conditional', body, test, orelse }));
    const call = fc
      .constantFrom(...Object.keys(FUNCTIONS))
      .chain((fn) => {
        const [min, max] = FUNCTIONS[fn] as [number, number];
        return fc
          .tuple(fc.array(sub, { minLength: min, maxLength: max }), fc.boolean())
          .map(([args, trailing]): Expr => ({ kind: 'call', fn, args, trailingComma: trailing && args.length > 1 }));
      });
    const parens = sub.map((inner): Expr => ({ kind: 'parens', inner }));
    return {
      expr: fc.oneof(
        { maxDepth, depthSize: 'small' },
        { arbitrary: leaf(variable), weight: 6 },
        { arbitrary: binary, weight: 8 },
        { arbitrary: power, weight: 2 },
        { arbitrary: unary, weight: 2 },
        { arbitrary: call, weight: 4 },
        { arbitrary: conditional, weight: 2 },
        { arbitrary: compare, weight: 2 },
        { arbitrary: boolean, weight: 2 },
        { arbitrary: parens, weight: 1 },
      ),
    };
  });
  return expr;
}

// Python's precedence levels, lowest first; a child printed below its slot's level gets parentheses.
const CONDITIONAL = 0;
const OR = 1;
const AND = 2;
const NOT = 3;
const COMPARISON = 4;
const SUM = 5;
const TERM = 6;
const UNARY = 7;
const POWER = 8;
const ATOM = 9;

function printed(expr: Expr): [string, number] {
  switch (expr.kind) {
    case 'literal':
      return [expr.text, ATOM];
    case 'name':
      return [expr.name, ATOM];
    case 'parens':
      return [`(${printed(expr.inner)[0]})`, ATOM];
    case 'call': {
      const args = expr.args.map((arg) => at(arg, CONDITIONAL)).join(', ');
      return [`${expr.fn}(${args}${expr.trailingComma ? ',' : ''})`, ATOM];
    }
    case 'unary':
      return expr.op === 'not' ? [`not ${at(expr.operand, NOT)}`, NOT] : [`${expr.op}${at(expr.operand, UNARY)}`, UNARY];
    case 'binary':
      if (expr.op === '**') return [`${at(expr.left, ATOM)} ** ${at(expr.right, UNARY)}`, POWER];
      if (expr.op === '+' || expr.op === '-') {
        return [`${at(expr.left, SUM)} ${expr.op} ${at(expr.right, TERM)}`, SUM];
      }
      return [`${at(expr.left, TERM)} ${expr.op} ${at(expr.right, UNARY)}`, TERM];
    case 'boolean': {
      const level = expr.op === 'and' ? AND : OR;
      return [expr.operands.map((operand) => at(operand, level + 1)).join(` ${expr.op} `), level];
    }
    case 'compare': {
      let text = at(expr.first, SUM);
      expr.ops.forEach((op, i) => {
        text += ` ${op} ${at(expr.rest[i] as Expr, SUM)}`;
      });
      return [text, COMPARISON];
    }
    case 'conditional':
      return [`${at(expr.body, OR)} if ${at(expr.test, OR)} else ${at(expr.orelse, CONDITIONAL)}`, CONDITIONAL];
  }
}

function at(expr: Expr, level: number): string {
  const [text, own] = printed(expr);
  return own < level ? `(${text})` : text;
}

export function print(expr: Expr): string {
  return printed(expr)[0];
}

/** Variable values: the integers epochs are, fractions, and every special double. */
export const variableValue: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(0, 1, 2, 3, 4, 5, 10, 29, 30, 31, 100, 1000, -1, -3),
  fc.constantFrom(0.5, -0.5, 1.5, -2.5, 0.1, 3.7, 1e-300, 5e-324, 1e10 + 0.5, 123456.789),
  fc.constantFrom(2 ** 53 - 1, 2 ** 53, 1e20, 1e300, -1e300),
  fc.constantFrom(NaN, Infinity, -Infinity, -0),
  fc.integer({ min: -1000, max: 100_000 }),
  fc.double({ noNaN: true }),
);
