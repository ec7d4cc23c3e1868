/** Kingsbury–Zara content balancing: per-area targets, and the area the next item must come from. */
import { NO_AREA, type ItemBankSnapshot } from './bank-snapshot.js';
import { isCandidate, type Filter } from './candidate-ranking.js';

// Scratch state reused across calls (single-threaded; selection never re-enters itself).
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
 * Kingsbury–Zara: among target areas that still have eligible items, the one furthest below its
 * target proportion given the areas administered so far. −1 when no target area has items left.
 */
export function underTargetArea(
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
