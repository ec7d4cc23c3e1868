import fc from 'fast-check';
import { itemArbitrary, polytomousItemArbitrary, referenceFile } from '../../test/support/irt-reference.js';
import type { ItemModel } from './bank-snapshot.js';
import { createBankSnapshot } from './create-bank-snapshot.js';
import type { BankItemInput } from './item-parameters.js';
import { estimateAbility, type EstimatorName } from './estimators.js';
import { estimateFromItemParameters } from './exam.js';
import { information } from './model.js';
import { polytomousInformationBound } from './information-bound.js';
import { categoryProbabilities, itemInformation, itemWleWeight, polytomousInformation } from './polytomous.js';

interface ReferenceItem {
  model: ItemModel;
  a?: number;
  b?: number;
  c?: number;
  d?: number;
  thresholds?: number[];
}

interface EstimationCase {
  id: string;
  items: ReferenceItem[];
  responses: number[];
  estimator: EstimatorName;
  prior: { mean: number; sd: number } | null;
  thetaRange: [number, number];
  quadraturePoints: number | null;
  expected: { theta: number; se: number };
  tol: { theta: number; se: number };
  note?: string;
}

interface ItemCase {
  id: string;
  item: ReferenceItem;
  theta: number;
  expected: { probabilities: number[]; information: number };
  tol: { probabilities: number; information: number };
}

interface PolytomousReference {
  meta: { counts: { estimation: number; item: number } };
  estimationCases: EstimationCase[];
  itemCases: ItemCase[];
}

const reference = referenceFile<PolytomousReference>('polytomous-cases.json');
const ESTIMATORS: EstimatorName[] = ['EAP', 'MAP', 'MLE', 'WLE'];

function estimateCase(c: EstimationCase) {
  return estimateFromItemParameters(c.items, c.responses, {
    estimator: c.estimator,
    thetaRange: c.thetaRange,
    quadraturePoints: c.quadraturePoints ?? undefined,
    prior: c.prior ?? undefined,
  });
}

describe('polytomous reference cases (catR 3.17, test/fixtures/irt-reference/polytomous-cases.json)', () => {
  it('should hold every case: 60 estimation cases over the four estimators and 30 item cases', () => {
    expect(reference.estimationCases).toHaveLength(reference.meta.counts.estimation);
    expect(reference.itemCases).toHaveLength(reference.meta.counts.item);
    expect(reference.estimationCases).toHaveLength(60);
    expect(reference.itemCases).toHaveLength(30);
    expect(new Set(reference.estimationCases.map((c) => c.estimator))).toEqual(new Set(ESTIMATORS));
  });

  it.each(reference.itemCases.map((c) => [`${c.id} ${c.item.model} θ=${c.theta}`, c] as const))(
    'should reproduce the category probabilities and information of item case %s',
    (_, c) => {
      const bank = createBankSnapshot([c.item]);
      const probabilities = categoryProbabilities(bank, 0, c.theta);
      expect(probabilities).toHaveLength(c.expected.probabilities.length);
      c.expected.probabilities.forEach((expected, x) => {
        expect(Math.abs(probabilities[x] - expected)).toBeLessThanOrEqual(c.tol.probabilities);
      });
      expect(Math.abs(itemInformation(bank, 0, c.theta) - c.expected.information)).toBeLessThanOrEqual(c.tol.information);
    },
  );

  it.each(reference.estimationCases.map((c) => [`${c.id} ${c.estimator} (${[...new Set(c.items.map((i) => i.model))].join('+')}, ${c.items.length} items)`, c] as const))(
    'should reproduce θ and SE of estimation case %s',
    (_, c) => {
      const result = estimateCase(c);
      expect(result.estimatorUsed).toBe(c.estimator);
      expect(Math.abs(result.theta - c.expected.theta)).toBeLessThanOrEqual(c.tol.theta);
      expect(Math.abs(result.se - c.expected.se)).toBeLessThanOrEqual(c.tol.se);
    },
  );
});

const thetaArbitrary = fc.double({ min: -6, max: 6, noNaN: true });
const anyItemArbitrary = fc.oneof(
  polytomousItemArbitrary,
  itemArbitrary.map((item): BankItemInput => item),
);

/** Single-item bank. */
function bankOf(item: BankItemInput) {
  return createBankSnapshot([item]);
}

describe(categoryProbabilities.name, () => {
  it('should give every category a probability in (0, 1), summing to 1', () => {
    fc.assert(
      fc.property(anyItemArbitrary, thetaArbitrary, (item, theta) => {
        const bank = bankOf(item);
        const probabilities = categoryProbabilities(bank, 0, theta);
        expect(probabilities).toHaveLength(bank.categoriesOf(0));
        const sum = probabilities.reduce((total, p) => total + p, 0);
        expect(Math.abs(sum - 1)).toBeLessThanOrEqual(1e-12);
        for (const p of probabilities) {
          expect(p).toBeGreaterThan(0);
          expect(p).toBeLessThan(1);
        }
        return true;
      }),
      { numRuns: 500 },
    );
  });

  it('should write into `out` (its first categories entries) and reject one that is too short', () => {
    const bank = bankOf({ model: 'GRM', a: 1.2, thresholds: [-1, 0, 1] });
    const out = new Float64Array(10).fill(-1);
    expect(categoryProbabilities(bank, 0, 0.3, out)).toBe(out);
    expect(Array.from(out.subarray(0, 4))).toEqual(Array.from(categoryProbabilities(bank, 0, 0.3)));
    expect(out[4]).toBe(-1);
    expect(() => categoryProbabilities(bank, 0, 0.3, new Float64Array(3))).toThrow(RangeError);
  });

  it('should apply the scaling constant D to the slope of polytomous items too', () => {
    const scaled = createBankSnapshot([{ model: 'GPCM', a: 1, thresholds: [-0.5, 0.8] }], { scalingConstant: 1.702 });
    const plain = bankOf({ model: 'GPCM', a: 1.702, thresholds: [-0.5, 0.8] });
    const [p, q] = [categoryProbabilities(scaled, 0, 0.4), categoryProbabilities(plain, 0, 0.4)];
    p.forEach((value, x) => expect(value).toBeCloseTo(q[x], 14));
  });
});

describe(itemInformation.name, () => {
  it('should be finite and ≥ 0 for every model at any θ', () => {
    fc.assert(
      fc.property(anyItemArbitrary, fc.double({ min: -50, max: 50, noNaN: true }), (item, theta) => {
        const bank = bankOf(item);
        const value = itemInformation(bank, 0, theta);
        return Number.isFinite(value) && value >= 0 && Number.isFinite(itemWleWeight(bank, 0, theta));
      }),
      { numRuns: 500 },
    );
  });

  it('should equal Σ P′²/P with P′ from finite differences of the category probabilities', () => {
    fc.assert(
      fc.property(anyItemArbitrary, fc.double({ min: -4, max: 4, noNaN: true }), (item, theta) => {
        const bank = bankOf(item);
        const h = 1e-5;
        const [below, at, above] = [theta - h, theta, theta + h].map((t) => categoryProbabilities(bank, 0, t));
        let expected = 0;
        at.forEach((p, x) => {
          const derivative = (above[x] - below[x]) / (2 * h);
          expected += (derivative * derivative) / p;
        });
        const actual = itemInformation(bank, 0, theta);
        return Math.abs(actual - expected) <= 1e-6 * Math.max(1, expected);
      }),
      { numRuns: 300 },
    );
  });

  it('should equal the 4PL `information` for 4PL items, bit for bit', () => {
    fc.assert(
      fc.property(itemArbitrary, thetaArbitrary, fc.constantFrom(1, 1.702), (item, theta, scale) => {
        return itemInformation(createBankSnapshot([item], { scalingConstant: scale }), 0, theta) === information(theta, item, scale);
      }),
    );
  });

  it('should never exceed the pruning bound selection uses', () => {
    fc.assert(
      fc.property(polytomousItemArbitrary, fc.double({ min: -10, max: 10, noNaN: true }), (item, theta) => {
        const bank = bankOf(item);
        const [model, slope, k] = [bank.model[0], bank.a[0], bank.categoriesOf(0) - 1];
        const value = polytomousInformation(model, slope, bank.thresholds, 0, k, theta);
        return value === itemInformation(bank, 0, theta) && polytomousInformationBound(model, slope, bank.thresholds, 0, k, theta) >= value;
      }),
      { numRuns: 1000 },
    );
  });
});

describe(itemWleWeight.name, () => {
  it('should equal I′(θ) for GRM, GPCM and PCM items (and 2PL items)', () => {
    const twoPl = itemArbitrary.map(({ a, b }): BankItemInput => ({ a, b }));
    fc.assert(
      fc.property(fc.oneof(polytomousItemArbitrary, twoPl), fc.double({ min: -4, max: 4, noNaN: true }), (item, theta) => {
        const bank = bankOf(item);
        const h = 1e-5;
        const derivative = (itemInformation(bank, 0, theta + h) - itemInformation(bank, 0, theta - h)) / (2 * h);
        return Math.abs(itemWleWeight(bank, 0, theta) - derivative) <= 1e-6 * Math.max(1, Math.abs(derivative));
      }),
      { numRuns: 300 },
    );
  });

  it('should equal P′P″/(P(1 − P)) for 4PL items', () => {
    fc.assert(
      fc.property(itemArbitrary, fc.double({ min: -4, max: 4, noNaN: true }), (item, theta) => {
        const p = (t: number) => item.c + (item.d - item.c) / (1 + Math.exp(-item.a * (t - item.b)));
        const h = 1e-4;
        const first = (p(theta + h) - p(theta - h)) / (2 * h);
        const second = (p(theta + h) - 2 * p(theta) + p(theta - h)) / (h * h);
        const expected = (first * second) / (p(theta) * (1 - p(theta)));
        return Math.abs(itemWleWeight(bankOf(item), 0, theta) - expected) <= 1e-5 * Math.max(1, Math.abs(expected));
      }),
      { numRuns: 300 },
    );
  });
});

describe('a polytomous item with one threshold', () => {
  const twoPlArbitrary = fc.record({ a: fc.double({ min: 0.3, max: 2.5, noNaN: true }), b: fc.double({ min: -3, max: 3, noNaN: true }) });

  it('should be the 2PL with b = t (GRM, GPCM; PCM with a = 1): probabilities and information', () => {
    fc.assert(
      fc.property(twoPlArbitrary, fc.constantFrom<ItemModel>('GRM', 'GPCM', 'PCM'), thetaArbitrary, ({ a, b }, model, theta) => {
        const slope = model === 'PCM' ? 1 : a;
        const polytomous = bankOf(model === 'PCM' ? { model, thresholds: [b] } : { model, a, thresholds: [b] });
        const twoPl = bankOf({ a: slope, b });
        const [p, q] = [categoryProbabilities(polytomous, 0, theta), categoryProbabilities(twoPl, 0, theta)];
        expect(Math.abs(p[0] - q[0])).toBeLessThanOrEqual(1e-14);
        expect(Math.abs(p[1] - q[1])).toBeLessThanOrEqual(1e-14);
        const [i, j] = [itemInformation(polytomous, 0, theta), itemInformation(twoPl, 0, theta)];
        expect(Math.abs(i - j)).toBeLessThanOrEqual(1e-14 * Math.max(1, j));
        return true;
      }),
    );
  });

  it('should give the 2PL estimates with every estimator', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(twoPlArbitrary, fc.constantFrom(0, 1)), { minLength: 1, maxLength: 15 }),
        fc.constantFrom<ItemModel>('GRM', 'GPCM'),
        fc.constantFrom(...ESTIMATORS),
        (pairs, model, estimator) => {
          const responses = pairs.map(([, score]) => score);
          const twoPl = estimateFromItemParameters(pairs.map(([item]) => item), responses, { estimator });
          const polytomous = estimateFromItemParameters(
            pairs.map(([{ a, b }]) => ({ model, a, thresholds: [b] })),
            responses,
            { estimator },
          );
          expect(polytomous.estimatorUsed).toBe(twoPl.estimatorUsed);
          expect(Math.abs(polytomous.theta - twoPl.theta)).toBeLessThanOrEqual(1e-8);
          expect(Math.abs(polytomous.se - twoPl.se)).toBeLessThanOrEqual(1e-8);
          return true;
        },
      ),
      { numRuns: 150 },
    );
  });
});

/** Items of any model with a valid score each. */
const mixedPatternArbitrary = fc
  .array(fc.tuple(anyItemArbitrary, fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true })), { minLength: 1, maxLength: 30 })
  .map((pairs) => {
    const items = pairs.map(([item]) => item);
    const bank = createBankSnapshot(items);
    return { items, responses: pairs.map(([, u], k) => Math.floor(u * bank.categoriesOf(k))) };
  });

describe('estimation over banks that mix models', () => {
  it('should give a finite WLE inside thetaRange for all-lowest and all-highest patterns (4PL banks too)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(anyItemArbitrary, itemArbitrary), { minLength: 1, maxLength: 25 }),
        fc.boolean(),
        fc.constantFrom<[number, number]>([-4, 4], [-6, 6], [-3, 2]),
        (items, highest, range) => {
          const bank = createBankSnapshot(items);
          const responses = items.map((_, k) => (highest ? bank.categoriesOf(k) - 1 : 0));
          const { theta, se, estimatorUsed } = estimateFromItemParameters(items, responses, { estimator: 'WLE', thetaRange: range });
          expect(estimatorUsed).toBe('WLE');
          expect(Number.isFinite(theta) && Number.isFinite(se) && se > 0).toBe(true);
          expect(theta).toBeGreaterThanOrEqual(range[0]);
          expect(theta).toBeLessThanOrEqual(range[1]);
          return true;
        },
      ),
      { numRuns: 300 },
    );
  });

  it('should give a WLE inside the range even for 2PL all-correct patterns, where the MLE does not exist', () => {
    const items = [
      { a: 1.2, b: -1 },
      { a: 0.8, b: 0 },
      { a: 1.5, b: 0.5 },
    ];
    const wle = estimateFromItemParameters(items, [1, 1, 1], { estimator: 'WLE' });
    expect(wle.estimatorUsed).toBe('WLE');
    expect(wle.theta).toBeGreaterThan(0.5);
    expect(wle.theta).toBeLessThan(4);
    expect(estimateFromItemParameters(items, [1, 1, 1], { estimator: 'MLE' }).estimatorUsed).toBe('MAP');
  });

  it('should keep every estimate inside thetaRange with a positive, finite SE', () => {
    fc.assert(
      fc.property(mixedPatternArbitrary, fc.constantFrom(...ESTIMATORS), fc.double({ min: -5, max: 0, noNaN: true }), fc.double({ min: 0.5, max: 5, noNaN: true }), ({ items, responses }, estimator, lo, width) => {
        const { theta, se } = estimateFromItemParameters(items, responses, { estimator, thetaRange: [lo, lo + width] });
        return theta >= lo && theta <= lo + width && se > 0 && Number.isFinite(se);
      }),
      { numRuns: 300 },
    );
  });

  it('should give bit-identical results for identical inputs', () => {
    fc.assert(
      fc.property(mixedPatternArbitrary, fc.constantFrom(...ESTIMATORS), ({ items, responses }, estimator) => {
        const first = estimateFromItemParameters(items, responses, { estimator });
        const second = estimateFromItemParameters(structuredClone(items), [...responses], { estimator });
        return Object.is(first.theta, second.theta) && Object.is(first.se, second.se);
      }),
      { numRuns: 100 },
    );
  });

  it('should put MAP, MLE and WLE at a root of their estimating equation (or at a bound)', () => {
    fc.assert(
      fc.property(mixedPatternArbitrary, fc.constantFrom<EstimatorName>('MAP', 'MLE', 'WLE'), ({ items, responses }, estimator) => {
        const bank = createBankSnapshot(items);
        const indices = items.map((_, k) => k);
        const result = estimateAbility(estimator, bank, indices, Uint8Array.from(responses));
        if (result.estimatorUsed !== estimator || result.theta <= -4 + 1e-9 || result.theta >= 4 - 1e-9) return true;
        const logLikelihood = (t: number) =>
          indices.reduce((sum, k) => sum + Math.log(categoryProbabilities(bank, k, t)[responses[k]]), 0);
        const h = 1e-5;
        const score = (logLikelihood(result.theta + h) - logLikelihood(result.theta - h)) / (2 * h);
        let g = score;
        if (estimator === 'MAP') g -= result.theta;
        if (estimator === 'WLE') {
          const info = indices.reduce((sum, k) => sum + itemInformation(bank, k, result.theta), 0);
          const weight = indices.reduce((sum, k) => sum + itemWleWeight(bank, k, result.theta), 0);
          g += weight / (2 * info);
        }
        return Math.abs(g) < 1e-4;
      }),
      { numRuns: 200 },
    );
  });

  it('should fall back from MLE to MAP when every score is its item’s lowest or highest', () => {
    const items: BankItemInput[] = [
      { model: 'GRM', a: 1.3, thresholds: [-1, 0.2, 1.1] },
      { model: 'GPCM', a: 0.9, thresholds: [0.4, -0.3] },
      { a: 1.1, b: 0.3 },
    ];
    for (const responses of [
      [0, 0, 0],
      [3, 2, 1],
    ]) {
      const mle = estimateFromItemParameters(items, responses, { estimator: 'MLE' });
      expect(mle).toEqual(estimateFromItemParameters(items, responses, { estimator: 'MAP' }));
      expect(mle.estimatorUsed).toBe('MAP');
    }
    expect(estimateFromItemParameters(items, [3, 2, 0], { estimator: 'MLE' }).estimatorUsed).toBe('MLE');
  });

  it('should reject a score outside 0..categories − 1, naming its index', () => {
    const items: BankItemInput[] = [{ a: 1, b: 0 }, { model: 'GRM', a: 1, thresholds: [-1, 0, 1] }];
    expect(() => estimateFromItemParameters(items, [1, 4])).toThrow(/responses\[1\]/);
    expect(() => estimateFromItemParameters(items, [2, 0])).toThrow(/responses\[0\]/);
    expect(() => estimateFromItemParameters(items, [1, 1.5])).toThrow(RangeError);
    expect(() => estimateFromItemParameters(items, [1, -1])).toThrow(RangeError);
    // Booleans only for 4PL items.
    expect(estimateFromItemParameters(items, [true, 3])).toEqual(estimateFromItemParameters(items, [1, 3]));
    expect(() => estimateFromItemParameters(items, [true, true])).toThrow(/responses\[1\]/);
    // Estimators check the scores they get too.
    const bank = createBankSnapshot(items);
    for (const estimator of ESTIMATORS) expect(() => estimateAbility(estimator, bank, [0, 1], [1, 4])).toThrow(/responses\[1\]/);
  });

  it('should return the start θ and prior SD with no responses (WLE too)', () => {
    const bank = bankOf({ model: 'GRM', a: 1, thresholds: [0, 1] });
    expect(estimateAbility('WLE', bank, [], [], { startTheta: 0.4, prior: { mean: 0, sd: 1.3 } })).toEqual({ theta: 0.4, se: 1.3, estimatorUsed: 'WLE' });
  });
});
