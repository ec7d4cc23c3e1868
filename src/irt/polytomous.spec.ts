import fc from 'fast-check';
import { itemArbitrary, polytomousItemArbitrary } from '../../test/support/irt-reference.js';
import { anyItemArbitrary, bankOf, ESTIMATORS } from '../../test/support/polytomous-fixtures.js';
import type { ItemModel } from './bank-snapshot.js';
import { createBankSnapshot } from './create-bank-snapshot.js';
import type { BankItemInput } from './item-parameters.js';
import { estimateFromItemParameters } from './exam.js';
import { information } from './model.js';
import { polytomousInformationBound } from './information-bound.js';
import { categoryProbabilities, itemInformation, itemWleWeight, polytomousInformation } from './polytomous.js';

const thetaArbitrary = fc.double({ min: -6, max: 6, noNaN: true });

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
