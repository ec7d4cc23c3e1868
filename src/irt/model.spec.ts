import fc from 'fast-check';
import { itemArbitrary } from '../../test/support/irt-reference.js';
import { fastExp, information, probability } from './model.js';

describe(probability.name, () => {
  it('should reduce to the 2PL logistic when c = 0 and d = 1', () => {
    expect(probability(0.5, { a: 1.2, b: -0.3 })).toBeCloseTo(1 / (1 + Math.exp(-1.2 * 0.8)), 15);
  });

  it('should equal (c + d) / 2 at θ = b', () => {
    expect(probability(1.1, { a: 1.7, b: 1.1, c: 0.2, d: 0.9 })).toBeCloseTo(0.55, 15);
  });

  it('should apply the scaling constant D to the slope', () => {
    expect(probability(1, { a: 1, b: 0 }, 1.702)).toBeCloseTo(1 / (1 + Math.exp(-1.702)), 15);
  });

  it('should stay within [c, d] for any θ', () => {
    fc.assert(
      fc.property(fc.double({ min: -50, max: 50, noNaN: true }), itemArbitrary, (theta, item) => {
        const p = probability(theta, item);
        return p >= item.c && p <= item.d;
      }),
    );
  });
});

describe(information.name, () => {
  it('should use the full 4PL formula (a=1.5, b=0, c=0.2, d=0.9, θ=0.5 → 0.238771)', () => {
    expect(information(0.5, { a: 1.5, b: 0, c: 0.2, d: 0.9 })).toBeCloseTo(0.238771, 6);
  });

  it('should match (Da)²(P−c)²(d−P)²/((d−c)²P(1−P)) computed directly', () => {
    fc.assert(
      fc.property(fc.double({ min: -4, max: 4, noNaN: true }), itemArbitrary, fc.constantFrom(1, 1.702), (theta, item, scale) => {
        const { a, b, c, d } = item;
        const p = c + (d - c) / (1 + Math.exp(-scale * a * (theta - b)));
        const direct = ((scale * a) ** 2 * (p - c) ** 2 * (d - p) ** 2) / ((d - c) ** 2 * p * (1 - p));
        return Math.abs(information(theta, item, scale) - direct) <= 1e-9 * Math.max(1, direct);
      }),
    );
  });

  it('should reduce to a²P(1−P) for the 2PL', () => {
    const p = probability(0.3, { a: 1.4, b: -0.2 });
    expect(information(0.3, { a: 1.4, b: -0.2 })).toBeCloseTo(1.4 * 1.4 * p * (1 - p), 14);
  });

  it('should be finite and non-negative far from b', () => {
    for (const theta of [-1e6, -800, -40, 40, 800, 1e6]) {
      const value = information(theta, { a: 2.5, b: 0, c: 0.2, d: 0.95 });
      expect(Number.isFinite(value)).toBe(true);
      expect(value).toBeGreaterThanOrEqual(0);
    }
  });
});

describe(fastExp.name, () => {
  it('should agree with Math.exp to within 1e-15 relative error', () => {
    fc.assert(
      fc.property(fc.double({ min: -700, max: 700, noNaN: true }), (x) => {
        return Math.abs(fastExp(x) / Math.exp(x) - 1) < 1e-15;
      }),
      { numRuns: 5000 },
    );
  });

  it('should clamp instead of overflowing', () => {
    expect(Number.isFinite(fastExp(1e6))).toBe(true);
    expect(fastExp(-1e6)).toBeGreaterThanOrEqual(0);
  });
});
