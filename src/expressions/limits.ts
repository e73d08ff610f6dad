/** Longest accepted source, in UTF-16 code units (what String.length counts). */
export const MAX_EXPRESSION_LENGTH = 1000;

/**
 * Deepest accepted nesting: parentheses, call arguments, unary operators, `not`, exponents
 * and `else` branches each open a level. It bounds the parser's recursion, so that no
 * input can overflow the stack.
 */
export const MAX_EXPRESSION_DEPTH = 64;

/**
 * Python integers are unbounded, but an lr_lambda has no use for one with more than this
 * many bits (doubles end near 2^1024), and computing one, e.g. 9 ** 9 ** 9, could take
 * minutes; beyond it evaluation fails instead.
 */
export const MAX_INTEGER_BITS = 65536;
