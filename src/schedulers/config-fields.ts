import { z } from 'zod';

/** Building blocks for scheduler configs, so every type words its limits the same way. */

export const finiteNumber = z.number().refine(Number.isFinite, 'must be a finite number');

export const positiveInt = z.number().int('must be an integer').positive('must be > 0');

export const nonNegativeInt = z.number().int('must be an integer').nonnegative('must be >= 0');

/** A number for every group, or one number for all of them (PyTorch's scalar-or-list arguments). */
export const numberOrPerGroup = z.union([finiteNumber, z.array(finiteNumber).min(1)]);

export const unitInterval = (what: string) =>
  finiteNumber.refine((v) => v >= 0 && v <= 1, `${what} must be between 0 and 1`);
