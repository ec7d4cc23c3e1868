import fc from 'fast-check';
import { itemArbitrary } from '../../test/support/irt-reference.js';
import { anyItemArbitrary, bankOf, ESTIMATORS } from '../../test/support/polytomous-fixtures.js';
import { createBankSnapshot } from './create-bank-snapshot.js';
import type { BankItemInput } from './item-parameters.js';
import { estimateAbility, type EstimatorName } from './estimators.js';
import { estimateFromItemParameters } from './exam.js';
import { categoryProbabilities, itemInformation, itemWleWeight } from './polytomous.js';

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
