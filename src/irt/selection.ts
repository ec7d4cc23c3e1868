import { NO_AREA, type ItemBankSnapshot } from './bank-snapshot.js';
import { fastExp } from './model.js';
import type { RandomSource } from './rng.js';

export interface SelectionOptions {
  /** Indices of items already administered in this exam (never selected again). */
  administered: ArrayLike<number>;
  /** Choose uniformly among the top-k most informative items; 1 (default) = pure maximum information. */
  randomesque?: number;
  /** Randomness for randomesque and Sympson–Hetter; use `rngForStep(seed, answered)` for replayability. */
  random?: RandomSource;
  /**
   * Kingsbury–Zara content balancing: target proportion per area code (index into `bank.areas`),
   * see `contentTargetsFor`. Null/undefined disables balancing. Items of areas without a target
   * (or without an area) are only used once every targeted area has run out of eligible items.
   */
  contentTargets?: ArrayLike<number> | null;
  /** Observed exposure rate per item (administrations / exams), maintained by the service. */
  exposureRates?: ArrayLike<number> | null;
  /** Items whose exposure rate is ≥ this ceiling are skipped unless nothing else is eligible. */
  maxExposure?: number | null;
  /** Apply the bank's Sympson–Hetter parameters when it has any. Default true. */
  sympsonHetter?: boolean;
  /** Overrides the bank's scaling constant D. */
  scalingConstant?: number;
}

/** How many ranked candidates Sympson–Hetter may walk through before it settles for the best one. */
export const SYMPSON_HETTER_CANDIDATES = 32;
/** Largest supported randomesque k (the candidate list is a small fixed insertion array). */
export const MAX_RANDOMESQUE = 256;

// Scratch state reused across calls (single-threaded; selection never re-enters itself).
let administeredMask = new Uint8Array(0);
let candidateIndex = new Int32Array(MAX_RANDOMESQUE);
let candidateInformation = new Float64Array(MAX_RANDOMESQUE);
let areaAdministered = new Int32Array(16);
let areaEligible = new Int32Array(16);

/** Converts `{ area: proportion }` into per-area-code targets for `bank` (unknown areas are ignored). */
export function contentTargetsFor(bank: ItemBankSnapshot, proportions: Readonly<Record<string, number>>): Float64Array {
  const targets = new Float64Array(bank.areas.length);
  for (const [name, proportion] of Object.entries(proportions)) {
    const code = bank.areaIndexOf(name);
    if (code !== NO_AREA) targets[code] = proportion;
  }
  return targets;
}

interface Filter {
  /** Area code the item must belong to, or −1 for any area. */
  area: number;
  /** Exposure ceiling; Infinity disables it. */
  ceiling: number;
}

function isEligible(bank: ItemBankSnapshot, i: number, rates: ArrayLike<number> | null, ceiling: number): boolean {
  return bank.enabled[i] === 1 && administeredMask[i] === 0 && !(rates !== null && rates[i] >= ceiling);
}

/**
 * One pass over the bank: information of every eligible item at θ, keeping the `limit` best in a
 * small insertion array (descending information, lower index first on ties). Returns how many were kept.
 */
function rankByInformation(
  bank: ItemBankSnapshot,
  theta: number,
  scalingConstant: number,
  rates: ArrayLike<number> | null,
  filter: Filter,
  limit: number,
): number {
  const { a, b, c, d, enabled, area } = bank;
  const { ceiling } = filter;
  const requiredArea = filter.area;
  const mask = administeredMask;
  const indices = candidateIndex;
  const infos = candidateInformation;
  let count = 0;
  let worstKept = -1; // information of the last kept candidate once the list is full
  for (let i = 0; i < bank.size; i++) {
    if (enabled[i] === 0 || mask[i] !== 0) continue;
    if (requiredArea >= 0 && area[i] !== requiredArea) continue;
    if (rates !== null && rates[i] >= ceiling) continue;

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
 * Kingsbury–Zara: among target areas that still have eligible items, the one furthest below its
 * target proportion given the areas administered so far. −1 when no target area has items left.
 */
function underTargetArea(
  bank: ItemBankSnapshot,
  targets: ArrayLike<number>,
  administered: ArrayLike<number>,
  rates: ArrayLike<number> | null,
  ceiling: number,
): number {
  const areaCount = bank.areas.length;
  if (areaAdministered.length < areaCount) {
    areaAdministered = new Int32Array(areaCount);
    areaEligible = new Int32Array(areaCount);
  }
  areaAdministered.fill(0, 0, areaCount);
  areaEligible.fill(0, 0, areaCount);
  for (let k = 0; k < administered.length; k++) {
    const code = bank.area[administered[k]];
    if (code !== NO_AREA) areaAdministered[code]++;
  }
  for (let i = 0; i < bank.size; i++) {
    const code = bank.area[i];
    if (code !== NO_AREA && isEligible(bank, i, rates, ceiling)) areaEligible[code]++;
  }
  const total = administered.length;
  let chosen = -1;
  let largestDeficit = -Infinity;
  for (let code = 0; code < areaCount && code < targets.length; code++) {
    const target = targets[code];
    if (!(target > 0) || areaEligible[code] === 0) continue;
    const deficit = target - (total > 0 ? areaAdministered[code] / total : 0);
    if (deficit > largestDeficit) {
      largestDeficit = deficit;
      chosen = code;
    }
  }
  return chosen;
}

function chooseFromRanking(
  bank: ItemBankSnapshot,
  count: number,
  randomesque: number,
  random: RandomSource,
  useSympsonHetter: boolean,
): number {
  const pool = Math.min(randomesque, count);
  const first = pool > 1 ? Math.min(pool - 1, Math.floor(random() * pool)) : 0;
  const exposureControl = bank.exposureControl;
  if (!useSympsonHetter || exposureControl === null) return candidateIndex[first];

  // Sympson–Hetter: the randomesque pick first, then the rest by decreasing information;
  // each candidate is administered with probability K_i. If all are rejected, take the best.
  for (let rank = -1; rank < count; rank++) {
    if (rank === first) continue;
    const item = candidateIndex[rank === -1 ? first : rank];
    const k = exposureControl[item];
    if (k >= 1 || random() < k) return item;
  }
  return candidateIndex[0];
}

/**
 * Next item by maximum Fisher information at θ among eligible items (enabled, not administered,
 * allowed by content balancing and the exposure ceiling), with optional randomesque and
 * Sympson–Hetter exposure control. Returns the item index, or −1 when nothing is eligible.
 */
export function selectNextItem(bank: ItemBankSnapshot, theta: number, options: SelectionOptions): number {
  if (!Number.isFinite(theta)) throw new RangeError(`theta must be finite, got ${theta}`);
  const randomesque = options.randomesque ?? 1;
  if (!Number.isInteger(randomesque) || randomesque < 1 || randomesque > MAX_RANDOMESQUE) {
    throw new RangeError(`randomesque must be an integer in [1, ${MAX_RANDOMESQUE}]`);
  }
  const scalingConstant = options.scalingConstant ?? bank.scalingConstant;
  const useSympsonHetter = options.sympsonHetter !== false && bank.exposureControl !== null;
  const random = options.random ?? unseededFallback;
  const rates = options.exposureRates ?? null;
  const maxExposure = options.maxExposure;
  const hasCeiling = rates !== null && maxExposure !== undefined && maxExposure !== null;
  const limit = useSympsonHetter ? Math.max(randomesque, SYMPSON_HETTER_CANDIDATES) : randomesque;
  if (candidateIndex.length < limit) {
    candidateIndex = new Int32Array(limit);
    candidateInformation = new Float64Array(limit);
  }

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
  try {
    // The exposure ceiling is relaxed only when it would leave nothing to administer.
    for (let pass = hasCeiling ? 0 : 1; pass < 2; pass++) {
      const ceiling = pass === 0 ? (maxExposure as number) : Infinity;
      let area = -1;
      if (options.contentTargets) {
        area = underTargetArea(bank, options.contentTargets, administered, rates, ceiling);
      }
      const count = rankByInformation(bank, theta, scalingConstant, rates, { area, ceiling }, limit);
      if (count > 0) return chooseFromRanking(bank, count, randomesque, random, useSympsonHetter);
    }
    return -1;
  } finally {
    clearMask(administered, administered.length);
  }
}

function clearMask(administered: ArrayLike<number>, upTo: number): void {
  for (let k = 0; k < upTo; k++) administeredMask[administered[k]] = 0;
}

/** Used when the caller gives no RNG: a constant draw keeps selection deterministic (always the first candidate). */
function unseededFallback(): number {
  return 0;
}
