import type { ItemBankSnapshot } from './bank-snapshot.js';
import {
  MAX_RANDOMESQUE,
  administeredMask,
  chooseFromRanking,
  clearMask,
  rankByInformation,
  rankMixedByInformation,
  reserveAdministeredMask,
  type Filter,
  type SelectionTrace,
} from './candidate-ranking.js';
import { underTargetArea } from './content-balancing.js';
import type { RandomSource } from './rng.js';

export interface SelectionOptions {
  /** Indices of items already administered in this exam (never selected again; content balancing counts them). */
  administered: ArrayLike<number>;
  /**
   * Indices of further items never to select, which content balancing does not count: e.g. pretest items and the
   * enemies of administered items (see `withheldItems` in exam.ts). Null/undefined: none.
   */
  withheld?: ArrayLike<number> | null;
  /** Choose uniformly among the top-k most informative items; 1 (default) = pure maximum information. */
  randomesque?: number;
  /** Randomness for randomesque; use `rngForStep(seed, answered)` for replayability. */
  random?: RandomSource;
  /**
   * Kingsbury–Zara content balancing: target proportion per area code (index into `bank.areas`),
   * see `contentTargetsFor`. Null/undefined disables balancing. Items of areas without a target
   * (or without an area) are only used once every targeted area has run out of eligible items.
   */
  contentTargets?: ArrayLike<number> | null;
  /**
   * Exposure control: item i is eligible in this exam iff `probabilities[i] >= 1` or
   * `exposureDraw(seed, i) < probabilities[i]` (seed = the exam's). The draw is fixed per exam and item, so with
   * probabilities = Sympson–Hetter K this is the classical rule: an item rejected once stays out of the exam.
   * When no eligible item is left (in the area content balancing chose), a second pass ignores eligibility.
   */
  eligibility?: { probabilities: ArrayLike<number>; seed: number } | null;
  /** Overrides the bank's scaling constant D. */
  scalingConstant?: number;
}

/**
 * Next item by maximum Fisher information at θ among eligible items (enabled, neither administered nor withheld,
 * allowed by content balancing and exposure control), with optional randomesque. Withheld items stay out of both
 * fallbacks (the pass that ignores eligibility, and the areas without a target). Returns the item index, or −1 when nothing
 * is left. `trace`, when given, receives how the pick was made (Sympson–Hetter calibration needs it).
 */
export function selectNextItem(bank: ItemBankSnapshot, theta: number, options: SelectionOptions, trace: SelectionTrace | null = null): number {
  if (!Number.isFinite(theta)) throw new RangeError(`theta must be finite, got ${theta}`);
  const randomesque = options.randomesque ?? 1;
  if (!Number.isInteger(randomesque) || randomesque < 1 || randomesque > MAX_RANDOMESQUE) {
    throw new RangeError(`randomesque must be an integer in [1, ${MAX_RANDOMESQUE}]`);
  }
  const scalingConstant = options.scalingConstant ?? bank.scalingConstant;
  const random = options.random ?? unseededFallback;
  const eligibility = options.eligibility ?? null;

  reserveAdministeredMask(bank.size);
  const administered = options.administered;
  for (let k = 0; k < administered.length; k++) {
    const index = administered[k];
    if (!(index >= 0 && index < bank.size)) {
      clearMask(administered, k);
      throw new RangeError(`administered item index ${index} is outside the bank (size ${bank.size})`);
    }
    administeredMask[index] = 1;
  }
  const withheld = options.withheld ?? null;
  if (withheld !== null) {
    for (let k = 0; k < withheld.length; k++) {
      const index = withheld[k];
      if (!(index >= 0 && index < bank.size)) {
        clearMask(administered, administered.length);
        clearMask(withheld, k);
        throw new RangeError(`withheld item index ${index} is outside the bank (size ${bank.size})`);
      }
      administeredMask[index] = 1;
    }
  }
  try {
    // Eligibility is ignored only when it would leave nothing to administer.
    for (let pass = eligibility !== null ? 0 : 1; pass < 2; pass++) {
      const filter: Filter = {
        area: -1,
        probabilities: pass === 0 && eligibility !== null ? eligibility.probabilities : null,
        seed: eligibility === null ? 0 : eligibility.seed,
      };
      if (options.contentTargets) filter.area = underTargetArea(bank, options.contentTargets, administered, filter);
      const count = bank.isPolytomous
        ? rankMixedByInformation(bank, theta, scalingConstant, filter, randomesque)
        : rankByInformation(bank, theta, scalingConstant, filter, randomesque);
      if (count === 0) continue;
      if (trace !== null) {
        trace.area = filter.area;
        trace.eligibilityApplied = filter.probabilities !== null;
        trace.theta = theta;
      }
      return chooseFromRanking(count, randomesque, random, trace);
    }
    return -1;
  } finally {
    clearMask(administered, administered.length);
    if (withheld !== null) clearMask(withheld, withheld.length);
  }
}

/** Used when the caller gives no RNG: a constant draw keeps selection deterministic (always the first candidate). */
function unseededFallback(): number {
  return 0;
}
