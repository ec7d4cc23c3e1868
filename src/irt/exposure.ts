/**
 * Item exposure control: keeping any one item from appearing in too many exams. Both methods work through per-exam
 * item eligibility (`SelectionOptions.eligibility`), decided by a draw fixed per (exam seed, item):
 * - item eligibility (van der Linden & Veldkamp 2004): probabilities recomputed from the bank's live exposure counts;
 * - Sympson–Hetter (1985): one K per item, calibrated by simulation before use (`sympson-hetter.ts`) and stored with
 *   the bank.
 * `testOverlapRate` (Chen, Ankenmann & Spray 2003) measures what the exams of a bank have in common.
 */
import { isIneligible } from './candidate-ranking.js';

export { exposureDraw } from './rng.js';

/** Exposure counts of one bank, per item index, as the service keeps them. */
export interface ExposureCounts {
  /** Exams started on the bank. */
  exams: number;
  /** `administrations[i]`: exams in which item i was administered. */
  administrations: ArrayLike<number>;
  /** `eligible[i]`: exams in which item i was eligible, counted when each exam starts (`markEligible`). */
  eligible: ArrayLike<number>;
}

/**
 * Item-eligibility control (van der Linden & Veldkamp 2004): the probability that each item is eligible for the next
 * exam, such that P(eligible) · P(administered | eligible) ≤ maxExposure, with P(administered | eligible) estimated
 * as administrations / eligible:
 *
 *   P(eligible_i) = min(1, maxExposure · eligible_i / administrations_i), and 1 for an item never administered,
 *
 * and 0 while the item's observed rate (administrations / exams) is at or over maxExposure. The conditional
 * probabilities alone reach the target only over thousands of exams (simulated, 1,000 exams at target 0.25: highest
 * rate 0.272; 0.294 with counts 20 exams late, and higher where many exams start before any count exists), because
 * the first exams run uncontrolled and bias P(administered | eligible) for long; the ceiling on the observed rate
 * bounds that overshoot to what the counts do not yet show. The probabilities are not gated the other way (1 while
 * the rate is under the target): that reopens an item fully as soon as its rate dips, and puts a floor under it.
 * Writes into `out` when given (length = bank size).
 */
export function eligibilityProbabilities(counts: ExposureCounts, maxExposure: number, out?: Float64Array): Float64Array {
  if (!(maxExposure > 0 && maxExposure <= 1)) throw new RangeError(`maxExposure must be in (0, 1], got ${maxExposure}`);
  const size = counts.administrations.length;
  if (counts.eligible.length !== size) {
    throw new RangeError(`got ${size} administration counts but ${counts.eligible.length} eligibility counts`);
  }
  const probabilities = out ?? new Float64Array(size);
  if (probabilities.length !== size) throw new RangeError(`out has length ${probabilities.length}, expected ${size}`);
  for (let i = 0; i < size; i++) {
    const administered = counts.administrations[i];
    if (administered === 0) probabilities[i] = 1;
    else if (administered >= maxExposure * counts.exams) probabilities[i] = 0; // observed rate at or over the target
    else probabilities[i] = Math.min(1, (maxExposure * counts.eligible[i]) / administered);
  }
  return probabilities;
}

/**
 * Which items are eligible in the exam with this seed: `out[i] = 1` when `probabilities[i] ≥ 1` or
 * `exposureDraw(seed, i) < probabilities[i]`, else 0 — the rule selection applies. The service calls it once per
 * exam start to count `eligible`.
 */
export function markEligible(probabilities: ArrayLike<number>, seed: number, out: Uint8Array): Uint8Array {
  if (out.length !== probabilities.length) throw new RangeError(`out has length ${out.length}, expected ${probabilities.length}`);
  for (let i = 0; i < probabilities.length; i++) out[i] = isIneligible(probabilities, seed, i) ? 0 : 1;
  return out;
}

/**
 * Test-overlap rate (Chen, Ankenmann & Spray 2003): the expected share of items two exams have in common,
 * T = n·S²(r)/L + L/n from the exposure rates r of the n items, L = Σ r_i (the mean test length), S² their
 * population variance; 0 when L = 0. Since S² = Σr²/n − (L/n)², T = Σr²/L: the same whether items never
 * given (r = 0) are included or not.
 */
export function testOverlapRate(rates: ArrayLike<number>): number {
  let length = 0;
  let sumOfSquares = 0;
  for (let i = 0; i < rates.length; i++) {
    length += rates[i];
    sumOfSquares += rates[i] * rates[i];
  }
  return length > 0 ? sumOfSquares / length : 0;
}
