import { seededUniform } from './random.js';

/**
 * A synthetic model for range tests: the loss over log10(lr) is a noisy U, high at tiny
 * lrs, lowest near 10^-2, exploding past 10^0. Deterministic for a seed.
 */
export function syntheticLoss(seed: number): (lr: number) => number {
  const uniform = seededUniform(seed);
  return (lr) => {
    const x = Math.log10(lr);
    const u = 2.5 + 0.8 * Math.tanh(-(x + 3)) + 0.35 * (x + 2) ** 2 * (x > -2 ? 4 : 0.4);
    return u * (1 + 0.04 * (uniform() - 0.5));
  };
}
