/**
 * Small seeded PRNG (mulberry32) plus a per-step derivation so that the randomness used
 * for the selection after n answers depends only on (examSeed, n), and a per-item hash for
 * exposure control. An exam can then be replayed from its stored seed and responses without
 * persisting any RNG state.
 */

/** Returns a uniform number in [0, 1). */
export type RandomSource = () => number;

/** Largest value accepted as a seed: seeds are 32-bit unsigned integers. */
export const MAX_SEED = 0xffffffff;

/** mulberry32: 32-bit state, passes the usual statistical batteries for this kind of use, very fast. */
export function createRng(seed: number): RandomSource {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** murmur3 finalizer: spreads nearby inputs (seed, seed+1, step, step+1) over the whole 32-bit range. */
function mix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Seed for the draw made after `step` answers of the exam seeded with `examSeed`. */
export function stepSeed(examSeed: number, step: number): number {
  return mix32(mix32(examSeed) ^ Math.imul((step >>> 0) + 1, 0x9e3779b9));
}

/** RNG for the selection made after `step` answers: a pure function of (examSeed, step). */
export function rngForStep(examSeed: number, step: number): RandomSource {
  return createRng(stepSeed(examSeed, step));
}

/**
 * Exposure-control draw: a uniform number in [0, 1) fixed for an (exam seed, item index) pair, so an item is
 * eligible or not for a whole exam. A hash rather than a stream, so it does not depend on which items were looked
 * at before, and kept apart from the `rngForStep` streams (another odd multiplier, no mulberry32 step).
 */
export function exposureDraw(seed: number, itemIndex: number): number {
  return mix32(mix32(seed ^ Math.imul(itemIndex + 1, 0x9e3779b1))) / 4294967296;
}

/** A fresh random 32-bit seed for a new exam (not reproducible by design). */
export function randomSeed(): number {
  return Math.floor(Math.random() * (MAX_SEED + 1)) >>> 0;
}
