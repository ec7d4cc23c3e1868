import { NO_AREA, type ItemBankSnapshot } from './bank-snapshot.js';
import { MODEL_4PL, fastExp } from './model.js';
import { polytomousInformation, polytomousInformationBound } from './polytomous.js';
import { exposureDraw, type RandomSource } from './rng.js';

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

/** Largest supported randomesque k (the candidate list is a small fixed insertion array). */
export const MAX_RANDOMESQUE = 256;

// Scratch state reused across calls (single-threaded; selection never re-enters itself).
let administeredMask = new Uint8Array(0);
const candidateIndex = new Int32Array(MAX_RANDOMESQUE);
const candidateInformation = new Float64Array(MAX_RANDOMESQUE);
let areaAdministered = new Int32Array(16);
let areaHasCandidate = new Uint8Array(16);

/** Converts `{ area: proportion }` into per-area-code targets for `bank` (unknown areas are ignored). */
export function contentTargetsFor(bank: ItemBankSnapshot, proportions: Readonly<Record<string, number>>): Float64Array {
  const targets = new Float64Array(bank.areas.length);
  for (const [name, proportion] of Object.entries(proportions)) {
    const code = bank.areaIndexOf(name);
    if (code !== NO_AREA) targets[code] = proportion;
  }
  return targets;
}

/**
 * How the last pick was made, for Sympson–Hetter calibration: the ineligible candidates ranked between the pick and
 * the eligible candidate just above it are the ones that would have taken its place, i.e. were passed over.
 */
export interface SelectionTrace {
  /** Area code the candidates were restricted to, or −1 for any area. */
  area: number;
  /** False when the pick came from the second pass, which ignores eligibility. */
  eligibilityApplied: boolean;
  /** Information and index of the candidate ranked just above the pick (Infinity and −1 when it was the best). */
  aboveInformation: number;
  aboveIndex: number;
  /** θ at which information was evaluated (the cut score under `selection.target: 'cut'`). */
  theta: number;
}

interface Filter {
  /** Area code the item must belong to, or −1 for any area. */
  area: number;
  /** Eligibility probabilities per item, or null when every item is eligible. */
  probabilities: ArrayLike<number> | null;
  /** Exam seed of the eligibility draws. */
  seed: number;
}

/** The eligibility rule of `SelectionOptions.eligibility`; an item at probability ≥ 1 costs one comparison, no draw. */
export function isIneligible(probabilities: ArrayLike<number>, seed: number, i: number): boolean {
  return probabilities[i] < 1 && !(exposureDraw(seed, i) < probabilities[i]);
}

function isCandidate(bank: ItemBankSnapshot, i: number, filter: Filter): boolean {
  const { probabilities } = filter;
  return bank.enabled[i] === 1 && administeredMask[i] === 0 && !(probabilities !== null && isIneligible(probabilities, filter.seed, i));
}

/**
 * One pass over the bank: information of every eligible item at θ, keeping the `limit` best in a
 * small insertion array (descending information, lower index first on ties). Returns how many were kept.
 * A bank with polytomous items takes `rankMixedByInformation`; this loop is the 4PL-only one.
 */
function rankByInformation(
  bank: ItemBankSnapshot,
  theta: number,
  scalingConstant: number,
  filter: Filter,
  limit: number,
): number {
  const { a, b, c, d, enabled, area } = bank;
  const { probabilities, seed } = filter;
  const requiredArea = filter.area;
  const mask = administeredMask;
  const indices = candidateIndex;
  const infos = candidateInformation;
  let count = 0;
  let worstKept = -1; // information of the last kept candidate once the list is full
  for (let i = 0; i < bank.size; i++) {
    if (enabled[i] === 0 || mask[i] !== 0) continue;
    if (requiredArea >= 0 && area[i] !== requiredArea) continue;

    const slope = scalingConstant * a[i];
    const z = slope * (theta - b[i]);
    const slopeSquared = slope * slope;
    if (count === limit) {
      // Cheap exact pruning: 4PL information ≤ 2PL information ≤ (Da)²·e^−|z|, and
      // e^|z| ≥ 1 + x + x²/2 + x³/6 + x⁴/24 (x = |z|). Items whose bound cannot beat the worst kept
      // candidate are skipped without an exp(); the bound exceeds the true value by ≥ 30%
      // everywhere, so rounding can never prune an item that would have entered the list.
      const x = z < 0 ? -z : z;
      const expLowerBound = 1 + x * (1 + x * (0.5 + x * (1 / 6 + x * (1 / 24))));
      if (slopeSquared <= worstKept * expLowerBound) continue;
    }
    // After the pruning, so that most items never get this far; before exp(), which ineligible items do not need.
    if (probabilities !== null && isIneligible(probabilities, seed, i)) continue;

    // 4PL information (see model.information), inlined to keep this loop call- and allocation-free.
    const e = fastExp(-z);
    const s = 1 / (1 + e);
    const sComplement = e * s;
    const range = d[i] - c[i];
    const pq = (c[i] + range * s) * (1 - d[i] + range * sComplement);
    const derivative = slope * range * s * sComplement;
    const info = pq > 0 ? (derivative * derivative) / pq : 0;

    if (count === limit) {
      if (!(info > worstKept)) continue;
    } else {
      count++;
    }
    let slot = count - 1;
    while (slot > 0 && infos[slot - 1] < info) {
      infos[slot] = infos[slot - 1];
      indices[slot] = indices[slot - 1];
      slot--;
    }
    infos[slot] = info;
    indices[slot] = i;
    if (count === limit) worstKept = infos[limit - 1];
  }
  return count;
}

/**
 * `rankByInformation` for a bank with GRM/GPCM/PCM items: its 4PL items take the same path (pruning bound, inlined
 * information), its polytomous items are pruned by `polytomousInformationBound` and get their information from
 * `polytomousInformation`. Same ranking, ties and eligibility rule.
 */
function rankMixedByInformation(
  bank: ItemBankSnapshot,
  theta: number,
  scalingConstant: number,
  filter: Filter,
  limit: number,
): number {
  const { a, b, c, d, enabled, area, model, categories, thresholdStart, thresholds } = bank;
  const { probabilities, seed } = filter;
  const requiredArea = filter.area;
  const mask = administeredMask;
  const indices = candidateIndex;
  const infos = candidateInformation;
  let count = 0;
  let worstKept = -1;
  for (let i = 0; i < bank.size; i++) {
    if (enabled[i] === 0 || mask[i] !== 0) continue;
    if (requiredArea >= 0 && area[i] !== requiredArea) continue;

    const slope = scalingConstant * a[i];
    let info: number;
    const code = model[i];
    if (code === MODEL_4PL) {
      const z = slope * (theta - b[i]);
      if (count === limit) {
        // The pruning bound of rankByInformation.
        const x = z < 0 ? -z : z;
        const expLowerBound = 1 + x * (1 + x * (0.5 + x * (1 / 6 + x * (1 / 24))));
        if (slope * slope <= worstKept * expLowerBound) continue;
      }
      if (probabilities !== null && isIneligible(probabilities, seed, i)) continue;
      const e = fastExp(-z);
      const s = 1 / (1 + e);
      const sComplement = e * s;
      const range = d[i] - c[i];
      const pq = (c[i] + range * s) * (1 - d[i] + range * sComplement);
      const derivative = slope * range * s * sComplement;
      info = pq > 0 ? (derivative * derivative) / pq : 0;
    } else {
      const start = thresholdStart[i];
      const k = categories[i] - 1;
      // Cheap exact pruning as for 4PL items, with the polytomous models' own bound (see polytomousInformationBound).
      if (count === limit && !(polytomousInformationBound(code, slope, thresholds, start, k, theta) > worstKept)) continue;
      if (probabilities !== null && isIneligible(probabilities, seed, i)) continue;
      info = polytomousInformation(code, slope, thresholds, start, k, theta);
    }

    if (count === limit) {
      if (!(info > worstKept)) continue;
    } else {
      count++;
    }
    let slot = count - 1;
    while (slot > 0 && infos[slot - 1] < info) {
      infos[slot] = infos[slot - 1];
      indices[slot] = indices[slot - 1];
      slot--;
    }
    infos[slot] = info;
    indices[slot] = i;
    if (count === limit) worstKept = infos[limit - 1];
  }
  return count;
}

/**
 * Kingsbury–Zara: among target areas that still have eligible items, the one furthest below its
 * target proportion given the areas administered so far. −1 when no target area has items left.
 */
function underTargetArea(
  bank: ItemBankSnapshot,
  targets: ArrayLike<number>,
  administered: ArrayLike<number>,
  filter: Filter,
): number {
  const areaCount = bank.areas.length;
  if (areaAdministered.length < areaCount) {
    areaAdministered = new Int32Array(areaCount);
    areaHasCandidate = new Uint8Array(areaCount);
  }
  areaAdministered.fill(0, 0, areaCount);
  areaHasCandidate.fill(0, 0, areaCount);
  for (let k = 0; k < administered.length; k++) {
    const code = bank.area[administered[k]];
    if (code !== NO_AREA) areaAdministered[code]++;
  }
  for (let i = 0; i < bank.size; i++) {
    const code = bank.area[i];
    // Only whether an area has an eligible item matters: once it has one, its other items need no eligibility draw.
    if (code !== NO_AREA && areaHasCandidate[code] === 0 && isCandidate(bank, i, filter)) areaHasCandidate[code] = 1;
  }
  const total = administered.length;
  let chosen = -1;
  let largestDeficit = -Infinity;
  for (let code = 0; code < areaCount && code < targets.length; code++) {
    const target = targets[code];
    if (!(target > 0) || areaHasCandidate[code] === 0) continue;
    const deficit = target - (total > 0 ? areaAdministered[code] / total : 0);
    if (deficit > largestDeficit) {
      largestDeficit = deficit;
      chosen = code;
    }
  }
  return chosen;
}

/** The randomesque pick among the `count` ranked candidates (the best one when randomesque is 1). */
function chooseFromRanking(count: number, randomesque: number, random: RandomSource, trace: SelectionTrace | null): number {
  const pool = Math.min(randomesque, count);
  const position = pool > 1 ? Math.min(pool - 1, Math.floor(random() * pool)) : 0;
  if (trace !== null) {
    trace.aboveInformation = position > 0 ? candidateInformation[position - 1] : Infinity;
    trace.aboveIndex = position > 0 ? candidateIndex[position - 1] : -1;
  }
  return candidateIndex[position];
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

  if (administeredMask.length < bank.size) administeredMask = new Uint8Array(bank.size);
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

function clearMask(administered: ArrayLike<number>, upTo: number): void {
  for (let k = 0; k < upTo; k++) administeredMask[administered[k]] = 0;
}

/** Used when the caller gives no RNG: a constant draw keeps selection deterministic (always the first candidate). */
function unseededFallback(): number {
  return 0;
}
