/**
 * Candidate ranking for maximum-information selection: which items are candidates (enabled, not administered or
 * withheld, eligible), and one pass over the bank keeping the best `limit` of them by information at θ.
 */
import type { ItemBankSnapshot } from './bank-snapshot.js';
import { polytomousInformationBound } from './information-bound.js';
import { MODEL_4PL, fastExp, fourPlInformation } from './model.js';
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
 * Cheap exact pruning of a 4PL item at z = slope·(θ − b): true when its information cannot exceed `information`.
 * 4PL information ≤ 2PL information ≤ slope²·e^−|z|, and e^|z| ≥ 1 + x + x²/2 + x³/6 + x⁴/24 (x = |z|), so no exp()
 * is needed; the bound exceeds the true value by ≥ 30% everywhere, so rounding can never prune an item that would
 * have entered the list. It runs for every item once the list is full: the polynomial (`expLowerBound` in
 * information-bound.ts) is written out here, since importing it measured 10-25 % slower on 4PL selection.
 */
function fourPlCannotExceed(slope: number, z: number, information: number): boolean {
  const x = z < 0 ? -z : z;
  return slope * slope <= information * (1 + x * (1 + x * (0.5 + x * (1 / 6 + x * (1 / 24)))));
}

/**
 * One pass over the bank: information of every eligible item at θ, keeping the `limit` best in a
 * small insertion array (descending information, lower index first on ties). Returns how many were kept.
 */
export type RankingPass = (bank: ItemBankSnapshot, theta: number, scalingConstant: number, filter: Filter, limit: number) => number;

/** The ranking pass of a 4PL-only bank; a bank with polytomous items takes `rankMixedByInformation`. */
export const rankByInformation: RankingPass = (bank, theta, scalingConstant, filter, limit) => {
  const { a, b, c, d, enabled, area } = bank;
  const { probabilities, seed } = filter;
  const requiredArea = filter.area;
  const mask = administeredMask;
  let count = 0;
  let worstKept = -1; // information of the last kept candidate once the list is full
  for (let i = 0; i < bank.size; i++) {
    if (enabled[i] === 0 || mask[i] !== 0) continue;
    if (requiredArea >= 0 && area[i] !== requiredArea) continue;

    const slope = scalingConstant * a[i];
    const z = slope * (theta - b[i]);
    if (count === limit && fourPlCannotExceed(slope, z, worstKept)) continue;
    // After the pruning, so that most items never get this far; before exp(), which ineligible items do not need.
    if (probabilities !== null && isIneligible(probabilities, seed, i)) continue;

    const info = fourPlInformation(slope, z, c[i], d[i]);
    if (count === limit && !(info > worstKept)) continue;
    count = keepCandidate(count, limit, i, info);
    if (count === limit) worstKept = candidateInformation[limit - 1];
  }
  return count;
};

/**
 * `rankByInformation` for a bank with GRM/GPCM/PCM items: its 4PL items take the same path (pruning bound, 4PL
 * information), its polytomous items are pruned by `polytomousInformationBound` and get their information from
 * `polytomousInformation`. Same ranking, ties and eligibility rule.
 */
export const rankMixedByInformation: RankingPass = (bank, theta, scalingConstant, filter, limit) => {
  const { a, b, c, d, enabled, area, model, categories, thresholdStart, thresholds } = bank;
  const { probabilities, seed } = filter;
  const requiredArea = filter.area;
  const mask = administeredMask;
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
      if (count === limit && fourPlCannotExceed(slope, z, worstKept)) continue;
      if (probabilities !== null && isIneligible(probabilities, seed, i)) continue;
      // `fourPlInformation` (model.ts) written out: called here, next to the inlined polytomous kernels, it made
      // mixed-bank selection 20–40% slower in V8. Same operations, so both loops agree bit for bit.
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
    if (count === limit && !(info > worstKept)) continue;
    count = keepCandidate(count, limit, i, info);
    if (count === limit) worstKept = candidateInformation[limit - 1];
  }
  return count;
};

/**
 * Inserts item i into the `count` candidates kept (one more while fewer than `limit`, else in place of the last
 * one, which the caller has checked it beats); descending information, lower index first on ties (an equal
 * information never moves ahead). Returns the new count. Only items that enter the list get here, so both loops
 * share it at no measurable cost.
 */
function keepCandidate(count: number, limit: number, i: number, info: number): number {
  if (count < limit) count++;
  let slot = count - 1;
  while (slot > 0 && candidateInformation[slot - 1] < info) {
    candidateInformation[slot] = candidateInformation[slot - 1];
    candidateIndex[slot] = candidateIndex[slot - 1];
    slot--;
  }
  candidateInformation[slot] = info;
  candidateIndex[slot] = i;
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
