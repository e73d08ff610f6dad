/**
 * A synthetic model for range tests: the loss over log10(lr) is a noisy U, high at tiny
 * lrs, lowest near 10^-2, exploding past 10^0. Deterministic for a seed.
 */
export function syntheticLoss(seed: number): (lr: number) => number {
  let state = seed >>> 0;
  const uniform = () => {
    // mulberry32
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return (lr) => {
    const x = Math.log10(lr);
    const u = 2.5 + 0.8 * Math.tanh(-(x + 3)) + 0.35 * (x + 2) ** 2 * (x > -2 ? 4 : 0.4);
    return u * (1 + 0.04 * (uniform() - 0.5));
  };
}
