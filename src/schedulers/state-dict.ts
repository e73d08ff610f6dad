import { InvalidConfig } from './errors.js';

/** A PyTorch `state_dict()` as JSON: PyTorch's attribute names, callables as null. */
export type StateDict = { readonly [key: string]: unknown };

/** Equal as JSON values: numbers by value (10 and 10.0 alike), NaN equal to NaN. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b || (Number.isNaN(a) && Number.isNaN(b));
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const ak = Object.keys(a);
    const bk = Object.keys(b);
    return (
      ak.length === bk.length &&
      ak.every((k) => Object.hasOwn(b, k) && sameJson((a as StateDict)[k], (b as StateDict)[k]))
    );
  }
  return a === b;
}

const show = (value: unknown): string => JSON.stringify(value) ?? String(value);

/**
 * Reads a state_dict a client sent (written by any PyTorch from 1.13 on, or by us),
 * refusing what cannot be resumed with the key named.
 */
export class StateDictReader {
  private constructor(private readonly dict: StateDict) {}

  static of(value: unknown): StateDictReader {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new InvalidConfig([], 'must be an object: a scheduler.state_dict()');
    }
    return new StateDictReader(value as StateDict);
  }

  has(key: string): boolean {
    return Object.hasOwn(this.dict, key) && this.dict[key] !== undefined;
  }

  number(key: string): number {
    const value = this.dict[key];
    if (typeof value !== 'number') throw new InvalidConfig([key], `must be a number, got ${show(value)}`);
    return value;
  }

  /** A number other than NaN and the infinities (which the wire's strings decode to). */
  finite(key: string): number {
    const value = this.number(key);
    if (!Number.isFinite(value)) throw new InvalidConfig([key], `must be a finite number, got ${value}`);
    return value;
  }

  /** A number, or null when absent or null. */
  nullableNumber(key: string): number | null {
    return this.dict[key] === undefined || this.dict[key] === null ? null : this.number(key);
  }

  /** One of `choices`, or null when absent or null. */
  nullableChoice<T extends string>(key: string, choices: readonly T[]): T | null {
    const value = this.dict[key];
    if (value === undefined || value === null) return null;
    if (!choices.includes(value as T)) throw new InvalidConfig([key], `must be one of ${choices.join(', ')} or null`);
    return value as T;
  }

  integer(key: string): number {
    const value = this.number(key);
    if (!Number.isInteger(value)) throw new InvalidConfig([key], `must be an integer, got ${value}`);
    return value;
  }

  /** One finite number per param group. */
  numbers(key: string, groupCount: number): number[] {
    const value = this.dict[key];
    if (!Array.isArray(value) || value.length !== groupCount || !value.every(Number.isFinite)) {
      throw new InvalidConfig([key], `must be a list of ${groupCount} finite numbers (one per param group)`);
    }
    return value as number[];
  }

  /** The nested state_dicts of a composite, one per scheduler it holds. */
  children(key: string, count: number): StateDictReader[] {
    const value = this.dict[key];
    if (!Array.isArray(value) || value.length !== count) {
      throw new InvalidConfig([key], `must be a list of ${count} state_dicts (one per scheduler)`);
    }
    return value.map((child, i) => {
      try {
        return StateDictReader.of(child);
      } catch (error) {
        throw error instanceof InvalidConfig ? error.under(key, i) : error;
      }
    });
  }

  /**
   * Keys the scheduler config also determines must say the same when present; keys
   * only some PyTorch versions write are simply absent from `expected`.
   */
  agrees(expected: StateDict): void {
    for (const [key, value] of Object.entries(expected)) {
      if (this.has(key) && !sameJson(this.dict[key], value)) {
        throw new InvalidConfig([key], `is ${show(this.dict[key])}, but the scheduler config gives ${show(value)}`);
      }
    }
  }
}
