import { setImmediate as nextTurn } from 'node:timers/promises';
import { type ItemBankSnapshot, itemInformation } from '../irt/index.js';
import type { ContentAreaCountsView, InformationPointView, ItemRoleCountsView } from './dto/bank-information.views.js';

/**
 * Item-information evaluations between two yields to the event loop: a 100,000-item bank on 401 points is 40
 * million of them (most of a second), which must not hold up the exams this instance serves.
 */
const EVALUATIONS_PER_TURN = 200_000;

/** `points` equally spaced values from `from` to `to`, both ends exact. */
export function thetaGrid(from: number, to: number, points: number): number[] {
  return Array.from({ length: points }, (_, i) => (i === points - 1 ? to : from + ((to - from) * i) / (points - 1)));
}

/** An item counts towards the curve when adaptive selection can give it: enabled and not a pretest item. */
const isOperational = (bank: ItemBankSnapshot, item: number) => bank.enabled[item] === 1 && bank.pretest[item] === 0;

/**
 * Test information I(θ) = Σ Iᵢ(θ) over the bank's operational items (the engine's item information, any model), and
 * SE(θ) = 1/√I(θ): what a test made of all of them could measure at each θ. Yields now and then (see
 * EVALUATIONS_PER_TURN).
 */
export async function testInformation(bank: ItemBankSnapshot, thetas: readonly number[]): Promise<InformationPointView[]> {
  const information = new Float64Array(thetas.length);
  let sinceYield = 0;
  for (let item = 0; item < bank.size; item++) {
    if (!isOperational(bank, item)) continue;
    for (let p = 0; p < thetas.length; p++) information[p] += itemInformation(bank, item, thetas[p]);
    sinceYield += thetas.length;
    if (sinceYield >= EVALUATIONS_PER_TURN) {
      sinceYield = 0;
      await nextTurn();
    }
  }
  return thetas.map((theta, p) => ({ theta, information: information[p], se: information[p] > 0 ? 1 / Math.sqrt(information[p]) : null }));
}

/** The bank's items by role, in total and per content area (by name, the items without an area last). */
export function itemCounts(bank: ItemBankSnapshot, itemExists: (item: number) => boolean): { items: ItemRoleCountsView; contentAreas: ContentAreaCountsView[] } {
  const items: ItemRoleCountsView = { operational: 0, pretest: 0, disabled: 0 };
  const byArea = new Map<string | null, ContentAreaCountsView>();
  for (let item = 0; item < bank.size; item++) {
    // An ordinal gap is a disabled placeholder in the snapshot, not an item.
    if (!itemExists(item)) continue;
    const area = bank.areaOf(item);
    let counts = byArea.get(area);
    if (!counts) byArea.set(area, (counts = { area, operational: 0, pretest: 0, disabled: 0 }));
    const role = bank.enabled[item] === 0 ? 'disabled' : bank.pretest[item] === 1 ? 'pretest' : 'operational';
    items[role]++;
    counts[role]++;
  }
  const contentAreas = [...byArea.values()].sort((x, y) => (x.area === null ? 1 : y.area === null ? -1 : x.area < y.area ? -1 : x.area > y.area ? 1 : 0));
  return { items, contentAreas };
}
