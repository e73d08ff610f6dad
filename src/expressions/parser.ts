/**
 * Recursive descent over Python's expression grammar, restricted to the language:
 *
 *   expression  := disjunction ['if' disjunction 'else' expression]
 *   disjunction := conjunction ('or' conjunction)*
 *   conjunction := inversion ('and' inversion)*
 *   inversion   := 'not' inversion | comparison
 *   comparison  := sum (('<' | '<=' | '>' | '>=' | '==' | '!=') sum)*
 *   sum         := term (('+' | '-') term)*
 *   term        := factor (('*' | '/' | '//' | '%') factor)*
 *   factor      := ('+' | '-') factor | power
 *   power       := primary ['**' factor]
 *   primary     := NUMBER | NAME | FUNCTION '(' [arguments] ')' | '(' expression ')'
 *
 * Names are resolved here, so unknown names and wrong argument counts are syntax errors
 * with a position. Every recursion passes through enter(), which enforces
 * MAX_EXPRESSION_DEPTH before the stack can grow further.
 */

import type { BinaryOperator, CompareOperator, Node } from './ast.js';
import {
  arityProblem,
  FUNCTION_NAMES,
  type FunctionName,
  isFunctionName,
  LANGUAGE_KEYWORDS,
  UNSUPPORTED_KEYWORDS,
} from './builtins.js';
import { ExpressionSyntaxError, syntaxErrorAt } from './errors.js';
import { MAX_EXPRESSION_DEPTH } from '../limits.js';
import { Tokenizer, type Token } from './tokens.js';

const COMPARE_OPERATORS: ReadonlySet<string> = new Set(['<', '<=', '>', '>=', '==', '!=']);
const TERM_OPERATORS: ReadonlySet<string> = new Set(['*', '/', '//', '%']);

/** Python operators outside the language, and how to say so: [message, hint]. */
const UNSUPPORTED_OPERATORS: Readonly<Record<string, readonly [string, string?]>> = {
  '.': ["attribute access ('.') is not supported"],
  '[': ["'[' is not supported", 'no subscripts or lists'],
  '{': ["'{' is not supported", 'no dicts or sets'],
  '=': ["'=' is not supported", "use '==' to compare"],
  ':=': ["':=' is not supported", 'no assignment expressions'],
  '&': ["bitwise operator '&' is not supported"],
  '|': ["bitwise operator '|' is not supported"],
  '^': ["bitwise operator '^' is not supported", "use '**' for powers"],
  '~': ["bitwise operator '~' is not supported"],
  '<<': ["bitwise operator '<<' is not supported"],
  '>>': ["bitwise operator '>>' is not supported"],
  '@': ["matrix multiplication ('@') is not supported"],
};

function describe(token: Token): string {
  if (token.type === 'end') return 'end of expression';
  return token.type === 'number' ? `number ${token.text}` : `'${token.text}'`;
}

export function parse(source: string, variable: string): Node {
  return new Parser(source, variable).parseAll();
}

class Parser {
  private readonly tokens: Tokenizer;
  private token: Token;
  private depth = 0;

  constructor(
    source: string,
    private readonly variable: string,
  ) {
    this.tokens = new Tokenizer(source);
    this.token = this.tokens.next();
  }

  parseAll(): Node {
    if (this.atEnd()) throw syntaxErrorAt('expression is empty', 0);
    const node = this.parseExpression();
    if (!this.atEnd()) throw this.unexpected();
    return node;
  }

  private atEnd(): boolean {
    return this.token.type === 'end';
  }

  private advance(): Token {
    const token = this.token;
    this.token = this.tokens.next();
    return token;
  }

  private atOperator(text: string): boolean {
    return this.token.type === 'operator' && this.token.text === text;
  }

  private atKeyword(word: string): boolean {
    return this.token.type === 'name' && this.token.text === word;
  }

  private enter(position: number): void {
    if (++this.depth > MAX_EXPRESSION_DEPTH) {
      throw syntaxErrorAt(`expression nests deeper than ${MAX_EXPRESSION_DEPTH} levels`, position);
    }
  }

  private leave(): void {
    this.depth--;
  }

  /** The error for the current token if it is Python the language leaves out, e.g. '[' or 'lambda'. */
  private unsupported(): ExpressionSyntaxError | undefined {
    const token = this.token;
    if (token.type === 'operator') {
      const unsupported = UNSUPPORTED_OPERATORS[token.text];
      if (unsupported !== undefined) return syntaxErrorAt(unsupported[0], token.position, unsupported[1]);
      if (token.text.length > 1 && token.text.endsWith('=') && !COMPARE_OPERATORS.has(token.text)) {
        return syntaxErrorAt(`'${token.text}' is not supported`, token.position, 'no assignment');
      }
    }
    if (token.type === 'name' && UNSUPPORTED_KEYWORDS.has(token.text)) {
      return syntaxErrorAt(`'${token.text}' is not supported`, token.position);
    }
    return undefined;
  }

  /** The error for the current token where it cannot go. */
  private unexpected(): ExpressionSyntaxError {
    return this.unsupported() ?? syntaxErrorAt(`unexpected ${describe(this.token)}`, this.token.position);
  }

  /** The error for a missing token, unless what is there has a more specific complaint. */
  private expected(what: string): ExpressionSyntaxError {
    return (
      this.unsupported() ??
      syntaxErrorAt(`expected ${what}, found ${describe(this.token)}`, this.token.position)
    );
  }

  private parseExpression(): Node {
    const body = this.parseDisjunction();
    if (!this.atKeyword('if')) return body;
    const ifToken = this.advance();
    const test = this.parseDisjunction();
    if (!this.atKeyword('else')) {
      throw this.expected(`'else' for the 'if' at position ${ifToken.position}`);
    }
    const elseToken = this.advance();
    this.enter(elseToken.position);
    const orelse = this.parseExpression();
    this.leave();
    return { type: 'conditional', test, body, orelse, position: body.position };
  }

  private parseDisjunction(): Node {
    return this.parseBoolean('or', () => this.parseConjunction());
  }

  private parseConjunction(): Node {
    return this.parseBoolean('and', () => this.parseInversion());
  }

  private parseBoolean(operator: 'and' | 'or', operand: () => Node): Node {
    const first = operand();
    if (!this.atKeyword(operator)) return first;
    const operands = [first];
    while (this.atKeyword(operator)) {
      this.advance();
      operands.push(operand());
    }
    return { type: 'boolean', operator, operands, position: first.position };
  }

  private parseInversion(): Node {
    if (!this.atKeyword('not')) return this.parseComparison();
    const not = this.advance();
    this.enter(not.position);
    const operand = this.parseInversion();
    this.leave();
    return { type: 'not', operand, position: not.position };
  }

  private parseComparison(): Node {
    const first = this.parseSum();
    if (this.atKeyword('not')) throw syntaxErrorAt("'not in' is not supported", this.token.position);
    if (!(this.token.type === 'operator' && COMPARE_OPERATORS.has(this.token.text))) return first;
    const operators: CompareOperator[] = [];
    const rest: Node[] = [];
    while (this.token.type === 'operator' && COMPARE_OPERATORS.has(this.token.text)) {
      operators.push(this.advance().text as CompareOperator);
      rest.push(this.parseSum());
    }
    return { type: 'compare', first, operators, rest, position: first.position };
  }

  private parseSum(): Node {
    let left = this.parseTerm();
    while (this.atOperator('+') || this.atOperator('-')) {
      const op = this.advance();
      const right = this.parseTerm();
      left = { type: 'binary', operator: op.text as BinaryOperator, left, right, position: op.position };
    }
    return left;
  }

  private parseTerm(): Node {
    let left = this.parseFactor();
    while (this.token.type === 'operator' && TERM_OPERATORS.has(this.token.text)) {
      const op = this.advance();
      const right = this.parseFactor();
      left = { type: 'binary', operator: op.text as BinaryOperator, left, right, position: op.position };
    }
    return left;
  }

  private parseFactor(): Node {
    if (!(this.atOperator('-') || this.atOperator('+'))) return this.parsePower();
    const op = this.advance();
    this.enter(op.position);
    const operand = this.parseFactor();
    this.leave();
    return { type: 'unary', operator: op.text as '-' | '+', operand, position: op.position };
  }

  /** '**' binds tighter than a unary minus on its left (-2 ** 2 == -4) but takes one on its right (2 ** -1). */
  private parsePower(): Node {
    const base = this.parsePrimary();
    if (!this.atOperator('**')) return base;
    const op = this.advance();
    this.enter(op.position);
    const exponent = this.parseFactor();
    this.leave();
    return { type: 'binary', operator: '**', left: base, right: exponent, position: op.position };
  }

  private parsePrimary(): Node {
    const token = this.token;
    let node: Node;
    if (token.type === 'number') {
      this.advance();
      node = token.isInteger
        ? { type: 'integer', value: BigInt(token.text), position: token.position }
        : { type: 'float', value: Number(token.text), position: token.position };
    } else if (token.type === 'name') {
      node = this.parseName();
    } else if (token.type === 'operator' && token.text === '(') {
      node = this.parseParenthesized();
    } else {
      throw this.unexpected();
    }
    if (this.atOperator('(')) {
      const hint = `only the functions ${FUNCTION_NAMES.join(', ')} can be called`;
      throw syntaxErrorAt("unexpected '('", this.token.position, hint);
    }
    return node;
  }

  private parseParenthesized(): Node {
    const open = this.advance();
    this.enter(open.position);
    const inner = this.parseExpression();
    if (this.atOperator(',')) throw syntaxErrorAt('tuples are not supported', this.token.position);
    if (!this.atOperator(')')) throw this.expected(`')' to close the '(' at position ${open.position}`);
    this.advance();
    this.leave();
    return inner;
  }

  private parseName(): Node {
    const token = this.token;
    const name = token.text;
    const position = token.position;
    // The variable comes first: like a lambda's parameter, it shadows the names below.
    if (name === this.variable) {
      this.advance();
      return { type: 'variable', position };
    }
    if (name === 'True' || name === 'False') {
      this.advance();
      return { type: 'integer', value: name === 'True' ? 1n : 0n, position };
    }
    if (name === 'pi') {
      this.advance();
      return { type: 'float', value: Math.PI, position };
    }
    if (isFunctionName(name)) return this.parseCall(name);
    if (UNSUPPORTED_KEYWORDS.has(name) || LANGUAGE_KEYWORDS.has(name)) throw this.unexpected();
    throw syntaxErrorAt(
      `unknown name '${name}'`,
      position,
      `only '${this.variable}', 'pi', 'True', 'False' and the functions ${FUNCTION_NAMES.join(', ')} are available`,
    );
  }

  private parseCall(name: FunctionName): Node {
    const nameToken = this.advance();
    if (!this.atOperator('(')) {
      const example = name === 'min' || name === 'max' ? 'a, b' : 'x';
      throw syntaxErrorAt(`'${name}' is a function and must be called, as in ${name}(${example})`, nameToken.position);
    }
    const open = this.advance();
    this.enter(open.position);
    const args: Node[] = [];
    while (!this.atOperator(')')) {
      if (this.atOperator('*') || this.atOperator('**')) {
        throw syntaxErrorAt('starred arguments are not supported', this.token.position);
      }
      args.push(this.parseExpression());
      if (this.atOperator(',')) {
        this.advance();
        continue;
      }
      if (this.atOperator('=')) throw syntaxErrorAt('keyword arguments are not supported', this.token.position);
      if (!this.atOperator(')')) {
        throw this.expected(`',' or ')' in the call to ${name}() at position ${nameToken.position}`);
      }
    }
    this.advance();
    this.leave();
    const problem = arityProblem(name, args.length);
    if (problem !== undefined) {
      throw new ExpressionSyntaxError(`${name}() at position ${nameToken.position} ${problem}`, nameToken.position);
    }
    return { type: 'call', name, args, position: nameToken.position };
  }
}
