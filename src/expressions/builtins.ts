/** The functions an expression may call, and how many arguments each takes. */
const FUNCTION_ARITY = {
  min: { min: 2, max: Infinity },
  max: { min: 2, max: Infinity },
  abs: { min: 1, max: 1 },
  floor: { min: 1, max: 1 },
  ceil: { min: 1, max: 1 },
  exp: { min: 1, max: 1 },
  log: { min: 1, max: 2 },
  sqrt: { min: 1, max: 1 },
  sin: { min: 1, max: 1 },
  cos: { min: 1, max: 1 },
  tan: { min: 1, max: 1 },
} as const;

export type FunctionName = keyof typeof FUNCTION_ARITY;

export const FUNCTION_NAMES = Object.keys(FUNCTION_ARITY) as FunctionName[];

export function isFunctionName(name: string): name is FunctionName {
  return Object.hasOwn(FUNCTION_ARITY, name);
}

/** What is wrong with a call's argument count, e.g. "takes 1 or 2 arguments, got 3"; undefined if nothing. */
export function arityProblem(name: FunctionName, count: number): string | undefined {
  const { min, max } = FUNCTION_ARITY[name];
  if (count >= min && count <= max) return undefined;
  if (max === Infinity) return `needs at least ${min} arguments, got ${count}`;
  if (min === max) return `takes exactly ${min} argument${min === 1 ? '' : 's'}, got ${count}`;
  return `takes ${min} or ${max} arguments, got ${count}`;
}

/** Python keywords other than the ones the language uses; naming one gets a clear refusal. */
export const UNSUPPORTED_KEYWORDS = new Set([
  'None', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del', 'elif',
  'except', 'finally', 'for', 'from', 'global', 'import', 'in', 'is', 'lambda', 'nonlocal',
  'pass', 'raise', 'return', 'try', 'while', 'with', 'yield',
]);

/** Keywords with a meaning in the language; none of them can be the variable's name. */
export const LANGUAGE_KEYWORDS = new Set(['True', 'False', 'and', 'or', 'not', 'if', 'else']);
