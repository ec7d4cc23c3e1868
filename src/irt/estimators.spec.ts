import fc from 'fast-check';
import { itemArbitrary, referenceCases } from '../../test/support/irt-reference.js';
import { createBankSnapshot } from './create-bank-snapshot.js';
import type { BankItemInput } from './item-parameters.js';
import {
  estimateAbility,
  estimateEap,
  estimateMap,
  estimateMle,
  isExtremePattern,
  quadratureGrid,
  type EstimatorName,
} from './estimators.js';
import { estimateFromItemParameters } from './exam.js';
import { information } from './model.js';

interface EstimationCase {
  id: string;
  model: string;
  estimator: EstimatorName;
  items: { a: number; b: number; c: number; d: number }[];
  responses: (0 | 1)[];
  lo: number;
  hi: number;
  n?: number;
  mu?: number;
  sigma?: number;
  expected: { theta: number; se: number };
}

const cases = referenceCases<EstimationCase>('estimation-cases.json');
const patternArbitrary = fc
  .array(fc.tuple(itemArbitrary, fc.constantFrom<0 | 1>(0, 1)), { minLength: 1, maxLength: 40 })
  .map((pairs) => ({ items: pairs.map(([item]) => item), responses: pairs.map(([, r]) => r) }));

function run(estimator: EstimatorName, items: BankItemInput[], responses: (0 | 1)[], range: [number, number] = [-4, 4]) {
  return estimateFromItemParameters(items, responses, { estimator, thetaRange: range });
}

describe('reference estimation cases', () => {
  it('should include all three estimators', () => {
    expect(new Set(cases.map((c) => c.estimator))).toEqual(new Set(['EAP', 'MAP', 'MLE']));
  });

  it.each(cases.map((c) => [`${c.id} ${c.model} ${c.estimator}`, c] as const))('should reproduce case %s', (_, c) => {
    const result = estimateFromItemParameters(c.items, c.responses, {
      estimator: c.estimator,
      thetaRange: [c.lo, c.hi],
      quadraturePoints: c.n,
      prior: { mean: c.mu ?? 0, sd: c.sigma ?? 1 },
    });
    const tolerance = c.estimator === 'EAP' ? 1e-4 : 1e-3;
    expect(Math.abs(result.theta - c.expected.theta)).toBeLessThanOrEqual(tolerance);
    expect(Math.abs(result.se - c.expected.se)).toBeLessThanOrEqual(tolerance);
  });
});

describe(estimateEap.name, () => {
  const jsCatItems = [
    { a: 1, b: -4, c: 0.5, d: 1 },
    { a: 1, b: -3, c: 0.5, d: 1 },
  ];
  const jsCatOptions = { estimator: 'EAP' as const, thetaRange: [-6, 6] as [number, number], quadraturePoints: 121 };

  it("should reproduce jsCAT's published EAP value for two wrong answers (−1.649372)", () => {
    expect(estimateFromItemParameters(jsCatItems, [0, 0], jsCatOptions).theta).toBeCloseTo(-1.649372, 5);
  });

  it("should reproduce jsCAT's published EAP value after a third, correct answer (−1.486213)", () => {
    const items = [...jsCatItems, { a: 1, b: -2.5, c: 0.2, d: 1 }];
    expect(estimateFromItemParameters(items, [0, 0, 1], jsCatOptions).theta).toBeCloseTo(-1.486213, 5);
  });

  it('should return the start θ and prior SD when there are no responses', () => {
    const bank = createBankSnapshot([{ a: 1, b: 0 }]);
    expect(estimateEap(bank, [], [], { prior: { mean: 0.5, sd: 2 } })).toEqual({ theta: 0.5, se: 2, estimatorUsed: 'EAP' });
    expect(estimateEap(bank, [], [], { startTheta: -1 }).theta).toBe(-1);
  });

  it('should reject mismatched item and response counts and invalid grids', () => {
    const bank = createBankSnapshot([{ a: 1, b: 0 }]);
    expect(() => estimateEap(bank, [0], [])).toThrow(RangeError);
    expect(() => estimateEap(bank, [0], [1], { thetaRange: [1, 1] })).toThrow(RangeError);
    expect(() => estimateEap(bank, [0], [1], { quadraturePoints: 1 })).toThrow(RangeError);
    expect(() => estimateEap(bank, [0], [1], { prior: { mean: 0, sd: 0 } })).toThrow(RangeError);
  });

  it('should never decrease θ when a wrong answer is flipped to correct', () => {
    fc.assert(
      fc.property(patternArbitrary, fc.nat(), ({ items, responses }, pick) => {
        const wrong = responses.flatMap((r, k) => (r === 0 ? [k] : []));
        fc.pre(wrong.length > 0);
        const flipped = [...responses];
        flipped[wrong[pick % wrong.length]] = 1;
        return run('EAP', items, flipped).theta >= run('EAP', items, responses).theta - 1e-12;
      }),
    );
  });

  it('should increase θ with each extra correct answer on a 2PL bank', () => {
    fc.assert(
      fc.property(fc.array(itemArbitrary, { minLength: 2, maxLength: 30 }), (raw) => {
        const items = raw.map(({ a, b }) => ({ a, b }));
        let previous = -Infinity;
        for (let correct = 0; correct <= items.length; correct++) {
          const responses = items.map((_, k) => (k < correct ? 1 : 0) as 0 | 1);
          const theta = run('EAP', items, responses).theta;
          if (theta < previous - 1e-12) return false;
          previous = theta;
        }
        return true;
      }),
      { numRuns: 50 },
    );
  });

  it('should reuse one cached grid per configuration', () => {
    expect(quadratureGrid(-4, 4, 61, { mean: 0, sd: 1 })).toBe(quadratureGrid(-4, 4, 61, { mean: 0, sd: 1 }));
    const { points } = quadratureGrid(-4, 4, 61, { mean: 0, sd: 1 });
    expect(points[0]).toBe(-4);
    expect(points[60]).toBe(4);
  });
});

describe(estimateMap.name, () => {
  it('should report SE = 1/√(I(θ) + 1/σ²)', () => {
    const items = [
      { a: 1.2, b: -0.5 },
      { a: 0.9, b: 0.4 },
      { a: 1.6, b: 0.1 },
    ];
    const result = estimateFromItemParameters(items, [1, 0, 1], { estimator: 'MAP', prior: { mean: 0, sd: 1.5 } });
    const info = items.reduce((sum, item) => sum + information(result.theta, item), 0);
    expect(result.se).toBeCloseTo(1 / Math.sqrt(info + 1 / 2.25), 10);
  });

  it('should converge to a stationary point of the log posterior (|slope| ≈ 0)', () => {
    fc.assert(
      fc.property(patternArbitrary, ({ items, responses }) => {
        const { theta } = run('MAP', items, responses, [-6, 6]);
        if (theta <= -6 || theta >= 6) return true;
        const logPosterior = (t: number) =>
          items.reduce((sum, item, k) => {
            const p = item.c + (item.d - item.c) / (1 + Math.exp(-item.a * (t - item.b)));
            return sum + Math.log(responses[k] ? p : 1 - p);
          }, -0.5 * t * t);
        const h = 1e-4;
        const slope = (logPosterior(theta + h) - logPosterior(theta - h)) / (2 * h);
        return Math.abs(slope) < 1e-5;
      }),
      { numRuns: 100 },
    );
  });
});

describe(estimateMle.name, () => {
  it('should fall back to MAP when every answer is correct or every answer is wrong', () => {
    fc.assert(
      fc.property(fc.array(itemArbitrary, { minLength: 1, maxLength: 20 }), fc.constantFrom<0 | 1>(0, 1), (items, value) => {
        const responses = items.map(() => value);
        const mle = run('MLE', items, responses);
        const map = run('MAP', items, responses);
        return mle.estimatorUsed === 'MAP' && mle.theta === map.theta && mle.se === map.se;
      }),
    );
  });

  it('should report MLE with SE = 1/√I(θ) for a mixed pattern', () => {
    const items = [
      { a: 1, b: -1 },
      { a: 1.3, b: 0 },
      { a: 0.8, b: 1 },
    ];
    const result = estimateFromItemParameters(items, [1, 0, 1], { estimator: 'MLE' });
    expect(result.estimatorUsed).toBe('MLE');
    const info = items.reduce((sum, item) => sum + information(result.theta, item), 0);
    expect(result.se).toBeCloseTo(1 / Math.sqrt(info), 10);
  });

  it('should return the start θ and prior SD with no responses', () => {
    const bank = createBankSnapshot([{ a: 1, b: 0 }]);
    expect(estimateMle(bank, [], [], { startTheta: 0.7 })).toEqual({ theta: 0.7, se: 1, estimatorUsed: 'MLE' });
  });

  it('should fall back to MAP when the maximum carries no information (the SE would be infinite)', () => {
    // Wrong on the easier of two very steep items, right on the harder: the likelihood peaks at the lower
    // bound, where both items' information underflows to 0.
    const items = [
      { a: 100, b: 0 },
      { a: 100, b: 0.5 },
    ];
    const mle = estimateFromItemParameters(items, [0, 1], { estimator: 'MLE' });
    expect(mle).toEqual(estimateFromItemParameters(items, [0, 1], { estimator: 'MAP' }));
    expect(mle.estimatorUsed).toBe('MAP');
    expect(Number.isFinite(mle.se)).toBe(true);
  });
});

describe(isExtremePattern.name, () => {
  it('should detect all-correct and all-wrong patterns only', () => {
    expect(isExtremePattern([1, 1, 1])).toBe(true);
    expect(isExtremePattern([0, 0])).toBe(true);
    expect(isExtremePattern([0, 1])).toBe(false);
  });
});

describe(estimateAbility.name, () => {
  const estimators: EstimatorName[] = ['EAP', 'MAP', 'MLE'];

  it('should keep every estimate inside thetaRange', () => {
    fc.assert(
      fc.property(
        patternArbitrary,
        fc.constantFrom(...estimators),
        fc.double({ min: -5, max: 0, noNaN: true }),
        fc.double({ min: 0.5, max: 5, noNaN: true }),
        ({ items, responses }, estimator, lo, width) => {
          const { theta, se } = run(estimator, items, responses, [lo, lo + width]);
          return theta >= lo && theta <= lo + width && se > 0;
        },
      ),
    );
  });

  it('should give bit-identical results for identical inputs', () => {
    fc.assert(
      fc.property(patternArbitrary, fc.constantFrom(...estimators), ({ items, responses }, estimator) => {
        const first = run(estimator, items, responses);
        const second = run(estimator, items.map((item) => ({ ...item })), [...responses]);
        return Object.is(first.theta, second.theta) && Object.is(first.se, second.se);
      }),
    );
  });

  it('should stay finite and accurate with 250 responses', () => {
    const items = Array.from({ length: 250 }, (_, k) => ({ a: 0.8 + (k % 9) / 5, b: ((k * 37) % 61) / 10 - 3, c: k % 4 === 0 ? 0.2 : 0, d: 1 }));
    const responses = items.map((item) => (item.b < 0.7 ? 1 : 0) as 0 | 1);
    for (const estimator of estimators) {
      const { theta, se } = run(estimator, items, responses);
      expect(Number.isFinite(theta)).toBe(true);
      expect(Number.isFinite(se)).toBe(true);
      expect(theta).toBeGreaterThan(0);
      expect(theta).toBeLessThan(1.5);
      expect(se).toBeLessThan(0.2);
    }
  });

  it('should apply the scaling constant D', () => {
    const items = [
      { a: 1, b: -1 },
      { a: 1, b: 1 },
    ];
    const plain = estimateFromItemParameters(items, [1, 0], { estimator: 'EAP' });
    const scaled = estimateFromItemParameters(items, [1, 0], { estimator: 'EAP', scalingConstant: 1.702 });
    const doubled = estimateFromItemParameters(
      items.map((item) => ({ ...item, a: 1.702 })),
      [1, 0],
      { estimator: 'EAP' },
    );
    expect(scaled.theta).toBeCloseTo(doubled.theta, 12);
    expect(scaled.se).not.toBeCloseTo(plain.se, 3);
  });
});
