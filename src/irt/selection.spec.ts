import fc from 'fast-check';
import { itemArbitrary, polytomousItemArbitrary, referenceCases } from '../../test/support/irt-reference.js';
import type { ItemBankSnapshot } from './bank-snapshot.js';
import { contentTargetsFor } from './content-balancing.js';
import { createBankSnapshot } from './create-bank-snapshot.js';
import type { BankItemInput } from './item-parameters.js';
import { information, type ItemParameters } from './model.js';
import { itemInformation } from './polytomous.js';
import { createRng, exposureDraw, rngForStep, type RandomSource } from './rng.js';
import { selectNextItem } from './selection.js';

interface SelectionCase {
  id: string;
  theta: number;
  items: { a: number; b: number; c: number; d: number }[];
  exclude: number[];
  expected: { index: number };
}

const cases = referenceCases<SelectionCase>('selection-cases.json');
const bankArbitrary = fc.array(itemArbitrary, { minLength: 1, maxLength: 120 });
const thetaArbitrary = fc.double({ min: -3, max: 3, noNaN: true });

/** Indices 0..count − 1 by decreasing information (ties: lower index first), excluding `administered`. */
function rankIndices(count: number, informationOf: (index: number) => number, administered: number[] = []): number[] {
  return Array.from({ length: count }, (_, index) => ({ index, info: informationOf(index) }))
    .filter(({ index }) => !administered.includes(index))
    .sort((x, y) => y.info - x.info || x.index - y.index)
    .map(({ index }) => index);
}

/** The ranking of 4PL items by the reference formula (model.ts `information`), not the engine's. */
function rankByInformation(items: ItemParameters[], theta: number, administered?: number[]): number[] {
  return rankIndices(items.length, (index) => information(theta, items[index]), administered);
}

/** Eligibility probabilities mixing always (≥ 1), never (0) and sometimes eligible items, drawn from `random`. */
function mixedEligibility(itemCount: number, random: RandomSource): Float64Array {
  return Float64Array.from({ length: itemCount }, () => [0, 0.3, 0.7, 1, 1.5][Math.floor(random() * 5)]);
}

/** What selection must pick under eligibility: the best eligible item of `ranking`, its best one when none is eligible. */
function bestEligible(ranking: number[], probabilities: ArrayLike<number>, seed: number): number {
  const eligible = ranking.filter((i) => probabilities[i] >= 1 || exposureDraw(seed, i) < probabilities[i]);
  return eligible[0] ?? ranking[0];
}

/** A bank of 2PL items at b = 0 with these discriminations, algebra items first, and content targets of half each. */
function algebraGeometryBank(algebra: number[], geometry: number[]): { bank: ItemBankSnapshot; contentTargets: ArrayLike<number> } {
  const bank = createBankSnapshot([...algebra.map((a) => ({ a, b: 0, area: 'algebra' })), ...geometry.map((a) => ({ a, b: 0, area: 'geometry' }))]);
  return { bank, contentTargets: contentTargetsFor(bank, { algebra: 0.5, geometry: 0.5 }) };
}

describe('reference selection cases', () => {
  it.each(cases.map((c) => [c.id, c] as const))('should pick the expected item in case %s', (_, c) => {
    const bank = createBankSnapshot(c.items);
    expect(selectNextItem(bank, c.theta, { administered: c.exclude })).toBe(c.expected.index);
  });
});

describe(selectNextItem.name, () => {
  it('should pick the maximum-information eligible item (k = 1)', () => {
    fc.assert(
      fc.property(bankArbitrary, thetaArbitrary, fc.array(fc.nat(), { maxLength: 10 }), (items, theta, raw) => {
        const administered = [...new Set(raw.map((r) => r % items.length))];
        const bank = createBankSnapshot(items);
        const expected = rankByInformation(items, theta, administered)[0] ?? -1;
        return selectNextItem(bank, theta, { administered }) === expected;
      }),
    );
  });

  it('should return −1 when every item is administered or disabled', () => {
    const bank = createBankSnapshot([{ a: 1, b: 0 }, { a: 1, b: 1, enabled: false }]);
    expect(selectNextItem(bank, 0, { administered: [0] })).toBe(-1);
  });

  it('should never select a disabled item', () => {
    const bank = createBankSnapshot([
      { a: 2, b: 0, enabled: false },
      { a: 1, b: 0 },
    ]);
    expect(selectNextItem(bank, 0, { administered: [] })).toBe(1);
  });

  it('should pick only among the top-k items with randomesque k', () => {
    fc.assert(
      fc.property(bankArbitrary, thetaArbitrary, fc.integer({ min: 1, max: 8 }), fc.nat(), (items, theta, k, seed) => {
        const bank = createBankSnapshot(items);
        const topK = rankByInformation(items, theta).slice(0, k);
        const chosen = selectNextItem(bank, theta, { administered: [], randomesque: k, random: createRng(seed) });
        return topK.includes(chosen);
      }),
    );
  });

  it('should spread randomesque picks over the whole top-k', () => {
    const items = Array.from({ length: 20 }, (_, i) => ({ a: 1 + i / 100, b: 0 }));
    const bank = createBankSnapshot(items);
    const seen = new Set<number>();
    for (let seed = 0; seed < 200; seed++) {
      seen.add(selectNextItem(bank, 0, { administered: [], randomesque: 4, random: rngForStep(seed, 0) }));
    }
    expect([...seen].sort((x, y) => x - y)).toEqual([16, 17, 18, 19]);
  });

  it('should be deterministic for identical inputs and seed', () => {
    fc.assert(
      fc.property(bankArbitrary, thetaArbitrary, fc.integer({ min: 1, max: 6 }), fc.nat(), (items, theta, k, seed) => {
        const bank = createBankSnapshot(items);
        const pick = () => selectNextItem(bank, theta, { administered: [0], randomesque: k, random: rngForStep(seed, 3) });
        return pick() === pick();
      }),
    );
  });

  it('should pick from the content area furthest below its target (Kingsbury–Zara)', () => {
    const { bank, contentTargets } = algebraGeometryBank([2.0, 1.9, 1.8], [0.6, 0.5]);
    // Nothing administered: largest target wins (tie → first area), then MFI inside it.
    expect(selectNextItem(bank, 0, { administered: [], contentTargets })).toBe(0);
    // One algebra item given: geometry is at 0 % against a 50 % target.
    expect(selectNextItem(bank, 0, { administered: [0], contentTargets })).toBe(3);
    // Balanced again: algebra (first area) is picked.
    expect(selectNextItem(bank, 0, { administered: [0, 3], contentTargets })).toBe(1);
  });

  it('should always choose from the most under-target area that has items left', () => {
    const areas = ['a', 'b', 'c'];
    fc.assert(
      fc.property(
        fc.array(fc.tuple(itemArbitrary, fc.constantFrom(...areas)), { minLength: 3, maxLength: 60 }),
        fc.array(fc.nat(), { maxLength: 15 }),
        fc.tuple(fc.double({ min: 0, max: 0.5, noNaN: true }), fc.double({ min: 0, max: 0.5, noNaN: true })),
        thetaArbitrary,
        (pairs, raw, [ta, tb], theta) => {
          const items = pairs.map(([item, area]) => ({ ...item, area }));
          const bank = createBankSnapshot(items);
          const administered = [...new Set(raw.map((r) => r % items.length))];
          const targets: Record<string, number> = { a: ta, b: tb, c: Math.max(0, 1 - ta - tb) };
          const chosen = selectNextItem(bank, theta, { administered, contentTargets: contentTargetsFor(bank, targets) });
          if (chosen === -1) return administered.length === items.length;
          const remaining = new Set(items.flatMap((item, i) => (administered.includes(i) ? [] : [item.area])));
          const deficit = (area: string) =>
            targets[area] - (administered.length ? administered.filter((i) => items[i].area === area).length / administered.length : 0);
          const candidates = areas.filter((area) => remaining.has(area) && targets[area] > 0);
          if (candidates.length === 0) return true;
          const best = Math.max(...candidates.map(deficit));
          return deficit(items[chosen].area) >= best - 1e-12;
        },
      ),
    );
  });

  it('should pick the most informative eligible item, and ignore eligibility only when nothing is eligible', () => {
    fc.assert(
      fc.property(bankArbitrary, thetaArbitrary, fc.nat(), fc.integer({ min: 0, max: 0xffffffff }), (items, theta, raw, seed) => {
        const probabilities = mixedEligibility(items.length, createRng(raw));
        const bank = createBankSnapshot(items);
        const chosen = selectNextItem(bank, theta, { administered: [], eligibility: { probabilities, seed } });
        return chosen === bestEligible(rankByInformation(items, theta), probabilities, seed);
      }),
    );
  });

  it('should pass a Sympson–Hetter K of 0.25 on the best item to the next best in about 3 exams of 4', () => {
    const bank = createBankSnapshot([
      { a: 2, b: 0 },
      { a: 1.5, b: 0 },
      { a: 1, b: 0 },
    ]);
    const probabilities = [0.25, 1, 1];
    const picks = [0, 0, 0];
    let changedMind = 0;
    const exams = 4000;
    for (let seed = 0; seed < exams; seed++) {
      const chosen = selectNextItem(bank, 0, { administered: [], eligibility: { probabilities, seed } });
      picks[chosen]++;
      // Fixed per exam: a later selection of the same exam decides the same way.
      if (selectNextItem(bank, 0.1, { administered: [2], eligibility: { probabilities, seed } }) !== chosen) changedMind++;
    }
    expect(picks[0] + picks[1]).toBe(exams);
    expect(changedMind).toBe(0);
    const best = picks[0];
    expect(best / exams).toBeGreaterThan(0.22);
    expect(best / exams).toBeLessThan(0.28);
  });

  it('should count only eligible items when content balancing picks an area', () => {
    const { bank, contentTargets } = algebraGeometryBank([2.0, 1.9], [0.6, 0.5]);
    const eligibility = { probabilities: [1, 1, 0, 0], seed: 1 };
    // Geometry is furthest below target but has no eligible item left: algebra's best remaining item is picked.
    expect(selectNextItem(bank, 0, { administered: [0], contentTargets, eligibility })).toBe(1);
    // Nothing eligible at all: the second pass ignores eligibility and balances content again.
    expect(selectNextItem(bank, 0, { administered: [0, 1], contentTargets, eligibility })).toBe(2);
  });

  it('should reject out-of-range administered indices and non-finite θ', () => {
    const bank = createBankSnapshot([{ a: 1, b: 0 }]);
    expect(() => selectNextItem(bank, 0, { administered: [5] })).toThrow(RangeError);
    expect(() => selectNextItem(bank, Number.NaN, { administered: [] })).toThrow(RangeError);
    // The scratch mask is cleaned up after an error.
    expect(selectNextItem(bank, 0, { administered: [] })).toBe(0);
  });

  it('should rank correctly with the scaling constant applied', () => {
    const items = [
      { a: 1, b: 1.2 },
      { a: 2.2, b: 2.5 },
    ];
    const bank = createBankSnapshot(items, { scalingConstant: 1.702 });
    const infoAt = (i: number) => information(0, { a: items[i].a, b: items[i].b }, 1.702);
    expect(selectNextItem(bank, 0, { administered: [] })).toBe(infoAt(0) >= infoAt(1) ? 0 : 1);
  });
});

describe('selection over banks that mix models', () => {
  const mixedBankArbitrary = fc.array(fc.oneof(polytomousItemArbitrary, itemArbitrary.map((item): BankItemInput => item)), { minLength: 1, maxLength: 150 });

  /** The ranking by `itemInformation`, any model. */
  function rankMixed(bank: ItemBankSnapshot, theta: number, administered?: number[]): number[] {
    return rankIndices(bank.size, (index) => itemInformation(bank, index, theta), administered);
  }

  it('should pick the item of maximum information, whatever its model', () => {
    fc.assert(
      fc.property(mixedBankArbitrary, thetaArbitrary, fc.array(fc.nat(), { maxLength: 10 }), (items, theta, raw) => {
        const administered = [...new Set(raw.map((r) => r % items.length))];
        const bank = createBankSnapshot(items);
        return selectNextItem(bank, theta, { administered }) === (rankMixed(bank, theta, administered)[0] ?? -1);
      }),
      { numRuns: 300 },
    );
  });

  it('should pick only among the top-k items with randomesque k', () => {
    fc.assert(
      fc.property(mixedBankArbitrary, thetaArbitrary, fc.integer({ min: 1, max: 8 }), fc.nat(), (items, theta, k, seed) => {
        const bank = createBankSnapshot(items);
        return rankMixed(bank, theta).slice(0, k).includes(selectNextItem(bank, theta, { administered: [], randomesque: k, random: createRng(seed) }));
      }),
    );
  });

  it('should apply eligibility as in 4PL banks', () => {
    fc.assert(
      fc.property(mixedBankArbitrary, thetaArbitrary, fc.nat(), fc.integer({ min: 0, max: 0xffffffff }), (items, theta, raw, seed) => {
        const probabilities = mixedEligibility(items.length, createRng(raw));
        const bank = createBankSnapshot(items);
        return selectNextItem(bank, theta, { administered: [], eligibility: { probabilities, seed } }) === bestEligible(rankMixed(bank, theta), probabilities, seed);
      }),
    );
  });

  it('should balance content in a mixed bank', () => {
    const bank = createBankSnapshot([
      { model: 'GRM', a: 2.5, thresholds: [-1, 0, 1], area: 'algebra' },
      { a: 1.9, b: 0, area: 'algebra' },
      { model: 'GPCM', a: 0.6, thresholds: [0, 0.5], area: 'geometry' },
      { a: 0.5, b: 0, area: 'geometry' },
    ]);
    const contentTargets = contentTargetsFor(bank, { algebra: 0.5, geometry: 0.5 });
    expect(selectNextItem(bank, 0, { administered: [], contentTargets })).toBe(0);
    expect(selectNextItem(bank, 0, { administered: [0], contentTargets })).toBe(2);
  });
});

describe(`${selectNextItem.name} with withheld items`, () => {
  it('should never select withheld items, in any pass, nor count them for content balancing', () => {
    const { bank, contentTargets } = algebraGeometryBank([2.0, 1.9], [0.6, 0.5]);
    expect(selectNextItem(bank, 0, { administered: [], withheld: [0] })).toBe(1);
    // Withheld algebra items are not administered ones: algebra (first area, nothing given) is still chosen.
    expect(selectNextItem(bank, 0, { administered: [], withheld: [0], contentTargets })).toBe(1);
    expect(selectNextItem(bank, 0, { administered: [0], contentTargets })).toBe(2);
    // Algebra exhausted by withholding: geometry.
    expect(selectNextItem(bank, 0, { administered: [], withheld: [0, 1], contentTargets })).toBe(2);
    // Even when eligibility would fall back to ineligible items.
    const eligibility = { probabilities: [0, 0, 0, 0], seed: 1 };
    expect(selectNextItem(bank, 0, { administered: [2], withheld: [0, 1], eligibility })).toBe(3);
    expect(selectNextItem(bank, 0, { administered: [2, 3], withheld: [0, 1], eligibility })).toBe(-1);
  });

  it('should reject a withheld index outside the bank and leave no state behind', () => {
    const bank = createBankSnapshot([{ a: 2, b: 0 }, { a: 1, b: 0 }]);
    expect(() => selectNextItem(bank, 0, { administered: [1], withheld: [0, 5] })).toThrow(/withheld item index 5/);
    expect(selectNextItem(bank, 0, { administered: [] })).toBe(0);
  });
});
