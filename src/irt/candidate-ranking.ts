/**
 * Candidate ranking for maximum-information selection: which items are candidates (enabled, not administered or
 * withheld, eligible), and one pass over the bank keeping the best `limit` of them by information at θ.
 */
import type { ItemBankSnapshot } from './bank-snapshot.js';
import { polytomousInformationBound } from './information-bound.js';
import { MODEL_4PL, fastExp } from './model.js';
import { polytomousInformation } from './polytomous.js';
import { exposureDraw, type RandomSource } from './rng.js';

/** Largest supported randomesque k (the candidate list is a small fixed insertion array). */
export const MAX_RANDOMESQUE = 256;

// Scratch state reused across calls (single-threaded; selection never re-enters itself).
/** 1 for the items the current selection excludes (administered or withheld); `selectNextItem` sets and clears it. */
export let administeredMask = new Uint8Array(0);
const candidateIndex = new Int32Array(MAX_RANDOMESQUE);
const candidateInformation = new Float64Array(MAX_RANDOMESQUE);

/** Grows `administeredMask` (all 0) to at least `size` items. */
export function reserveAdministeredMask(size: number): void {
  if (administeredMask.length < size) administeredMask = new Uint8Array(size);
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

export interface Filter {
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

export function isCandidate(bank: ItemBankSnapshot, i: number, filter: Filter): boolean {
  const { probabilities } = filter;
  return bank.enabled[i] === 1 && administeredMask[i] === 0 && !(probabilities !== null && isIneligible(probabilities, filter.seed, i));
}

/**
 * One pass over the bank: information of every eligible item at θ, keeping the `limit` best in a
 * small insertion array (descending information, lower index first on ties). Returns how many were kept.
 * A bank with polytomous items takes `rankMixedByInformation`; this loop is the 4PL-only one.
 */
export function rankByInformation(
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
export function rankMixedByInformation(
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

/** The randomesque pick among the `count` ranked candidates (the best one when randomesque is 1). */
export function chooseFromRanking(count: number, randomesque: number, random: RandomSource, trace: SelectionTrace | null): number {
  const pool = Math.min(randomesque, count);
  const position = pool > 1 ? Math.min(pool - 1, Math.floor(random() * pool)) : 0;
  if (trace !== null) {
    trace.aboveInformation = position > 0 ? candidateInformation[position - 1] : Infinity;
    trace.aboveIndex = position > 0 ? candidateIndex[position - 1] : -1;
  }
  return candidateIndex[position];
}

export function clearMask(administered: ArrayLike<number>, upTo: number): void {
  for (let k = 0; k < upTo; k++) administeredMask[administered[k]] = 0;
}
