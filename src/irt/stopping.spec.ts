import fc from 'fast-check';
import { checkStopping } from './stopping.js';

describe(checkStopping.name, () => {
  const rule = { minItems: 5, maxItems: 20, seThreshold: 0.3 };

  it('should stop with MAX_ITEMS once maxItems answers are reached', () => {
    expect(checkStopping(20, 0.9, rule)).toBe('MAX_ITEMS');
    expect(checkStopping(19, 0.9, rule)).toBeNull();
  });

  it('should stop with SE_THRESHOLD only after minItems answers', () => {
    expect(checkStopping(4, 0.1, rule)).toBeNull();
    expect(checkStopping(5, 0.3, rule)).toBe('SE_THRESHOLD');
    expect(checkStopping(5, 0.31, rule)).toBeNull();
  });

  it('should never stop on precision when seThreshold is 0 (fixed length)', () => {
    expect(checkStopping(10, 0, { ...rule, seThreshold: 0 })).toBeNull();
  });

  it('should agree with the rule definitions for any state', () => {
    fc.assert(
      fc.property(
        fc.nat(50),
        fc.double({ min: 0, max: 2, noNaN: true }),
        fc.nat(10),
        fc.integer({ min: 1, max: 40 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (answered, se, minItems, maxItems, seThreshold) => {
          const reason = checkStopping(answered, se, { minItems, maxItems, seThreshold });
          if (answered >= maxItems) return reason === 'MAX_ITEMS';
          const precise = seThreshold > 0 && answered >= minItems && se <= seThreshold;
          return reason === (precise ? 'SE_THRESHOLD' : null);
        },
      ),
    );
  });
});

describe(`${checkStopping.name} with classification`, () => {
  const rule = { minItems: 5, maxItems: 20, seThreshold: 0.3 };

  it('should stop with CLASSIFIED once classified and minItems answers are in: after MAX_ITEMS, before SE_THRESHOLD', () => {
    expect(checkStopping(5, 0.9, rule, true)).toBe('CLASSIFIED');
    expect(checkStopping(4, 0.9, rule, true)).toBeNull();
    expect(checkStopping(20, 0.9, rule, true)).toBe('MAX_ITEMS');
    expect(checkStopping(6, 0.1, rule, true)).toBe('CLASSIFIED');
    expect(checkStopping(6, 0.1, rule, false)).toBe('SE_THRESHOLD');
    expect(checkStopping(6, 0.9, { ...rule, seThreshold: 0 }, true)).toBe('CLASSIFIED');
  });
});
