import { z } from 'zod';
import { atMost, MAX_PARAM_GROUPS } from '../limits.js';
import { InvalidConfig, type FieldPath } from './errors.js';

/** Building blocks for scheduler configs, so every type words its limits the same way. */

export const finiteNumber = z.number().refine(Number.isFinite, 'must be a finite number');

export const positiveInt = z.number().int('must be an integer').positive('must be > 0');

export const nonNegativeInt = z.number().int('must be an integer').nonnegative('must be >= 0');

/** A number for every group, or one number for all of them (PyTorch's scalar-or-list arguments). */
export const numberOrPerGroup = z.union([finiteNumber, z.array(finiteNumber).min(1).max(MAX_PARAM_GROUPS, atMost('MAX_PARAM_GROUPS', MAX_PARAM_GROUPS))]);

/** A finite number in [0, 1]; `message` words the limit as PyTorch does where it has words for it. */
export const unitInterval = (message = 'must be between 0 and 1') =>
  finiteNumber.refine((v) => v >= 0 && v <= 1, message);

/**
 * A division a constructor makes with config values. Python raises ZeroDivisionError
 * where JavaScript carries on with Infinity or NaN, so a zero divisor (or a result too
 * large for a double) refuses the config, naming the divisor's field.
 */
export function quotient(divisorField: FieldPath, dividend: number, divisor: number): number {
  if (divisor === 0) throw new InvalidConfig(divisorField, 'must not be 0: PyTorch divides by it (ZeroDivisionError)');
  const result = dividend / divisor;
  if (!Number.isFinite(result)) {
    throw new InvalidConfig(divisorField, `makes ${dividend} / ${divisor} = ${result}, not a finite number`);
  }
  return result;
}
