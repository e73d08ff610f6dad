/**
 * The tokenizer: Python's decimal number literals, ASCII names, and operators. It runs
 * lazily, one token ahead of the parser, so that the first problem reported is the
 * first one in the source. Python operators the language does not support still become
 * tokens, so that the parser can say what is not supported rather than "unexpected '&'".
 */

import { syntaxErrorAt } from './errors.js';

type TokenType = 'number' | 'name' | 'operator' | 'end';

export interface Token {
  readonly type: TokenType;
  /** The source text; for numbers, without the underscores. */
  readonly text: string;
  readonly position: number;
  /** For numbers: whether Python reads it as an int (no '.', no exponent). */
  readonly isInteger: boolean;
}

/** Longest first, so that '**' is not read as two '*'. */
const OPERATORS = [
  '**=', '//=', '>>=', '<<=',
  '**', '//', '<=', '>=', '==', '!=', '<<', '>>', ':=', '->',
  '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '@=',
  '+', '-', '*', '/', '%', '<', '>', '(', ')', ',', '.', '[', ']', '{', '}',
  '=', ':', ';', '&', '|', '^', '~', '@',
];

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

function isNameStart(c: string | undefined): boolean {
  return c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_');
}

function isNameChar(c: string | undefined): boolean {
  return isNameStart(c) || isDigit(c);
}

function isWhitespace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f';
}

/** A character as an error message shows it: quoted if visible, always with its code point if not ASCII. */
function describeCharacter(source: string, position: number): string {
  const code = source.codePointAt(position) as number;
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  if (code >= 0x21 && code <= 0x7e) return `'${String.fromCodePoint(code)}'`;
  const char = String.fromCodePoint(code);
  return /^[\p{L}\p{N}\p{P}\p{S}]$/u.test(char) ? `'${char}' (${hex})` : hex;
}

export class Tokenizer {
  private index = 0;

  constructor(private readonly source: string) {}

  next(): Token {
    const s = this.source;
    while (this.index < s.length && isWhitespace(s[this.index] as string)) this.index++;
    const start = this.index;
    if (start >= s.length) return { type: 'end', text: '', position: s.length, isInteger: false };
    const c = s[start];
    if (isDigit(c) || (c === '.' && isDigit(s[start + 1]))) return this.number(start);
    if (isNameStart(c)) {
      let end = start + 1;
      while (isNameChar(s[end])) end++;
      this.index = end;
      return { type: 'name', text: s.slice(start, end), position: start, isInteger: false };
    }
    for (const op of OPERATORS) {
      if (s.startsWith(op, start)) {
        this.index = start + op.length;
        return { type: 'operator', text: op, position: start, isInteger: false };
      }
    }
    if (c === '"' || c === "'") throw syntaxErrorAt('strings are not supported', start);
    if (c === '#') throw syntaxErrorAt('comments are not supported', start);
    if (c === '\\') throw syntaxErrorAt("line continuations ('\\') are not supported", start);
    throw syntaxErrorAt(`unexpected character ${describeCharacter(s, start)}`, start);
  }

  /** decinteger | pointfloat | exponentfloat, as in Python's grammar, with '_' between digits. */
  private number(start: number): Token {
    const s = this.source;
    let i = start;
    let isInteger = true;
    if (s[i] !== '.') i = this.digits(i);
    if (s[i] === '.') {
      isInteger = false;
      i++;
      if (isDigit(s[i])) i = this.digits(i);
    }
    if (s[i] === 'e' || s[i] === 'E') {
      let j = i + 1;
      if (s[j] === '+' || s[j] === '-') j++;
      if (isDigit(s[j])) {
        isInteger = false;
        i = this.digits(j);
      }
    }
    if (isNameChar(s[i])) {
      const literal = s.slice(start, i);
      const next = s[i] as string;
      if (next === 'j' || next === 'J') throw syntaxErrorAt('complex numbers are not supported', start);
      if (literal === '0' && 'xXoObB'.includes(next)) {
        throw syntaxErrorAt('hexadecimal, octal and binary numbers are not supported', start);
      }
      let end = i;
      while (isNameChar(s[end])) end++;
      throw syntaxErrorAt(`invalid number '${s.slice(start, end)}'`, start);
    }
    const text = s.slice(start, i).replaceAll('_', '');
    if (isInteger && /^0+[1-9]/.test(text)) {
      throw syntaxErrorAt(`invalid number '${s.slice(start, i)}'`, start, 'integers cannot have leading zeros');
    }
    this.index = i;
    return { type: 'number', text, position: start, isInteger };
  }

  /** digit (['_'] digit)*, from a digit at i; returns the index after it. */
  private digits(i: number): number {
    const s = this.source;
    i++;
    for (;;) {
      if (isDigit(s[i])) i++;
      else if (s[i] === '_' && isDigit(s[i + 1])) i += 2;
      else return i;
    }
  }
}
