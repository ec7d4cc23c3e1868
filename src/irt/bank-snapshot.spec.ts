import { ItemBankSnapshot, NO_AREA, createBankSnapshot, validateItemParameters } from './bank-snapshot.js';

describe(ItemBankSnapshot.name, () => {
  it('should store parallel typed-array columns with defaults for c, d and enabled', () => {
    const bank = createBankSnapshot([
      { a: 1.2, b: -0.5, area: 'algebra' },
      { a: 0.8, b: 1, c: 0.2, d: 0.95, area: 'geometry', enabled: false },
      { a: 1, b: 0 },
    ]);
    expect(bank.size).toBe(3);
    expect(bank.a).toBeInstanceOf(Float64Array);
    expect(Array.from(bank.c)).toEqual([0, 0.2, 0]);
    expect(Array.from(bank.d)).toEqual([1, 0.95, 1]);
    expect(Array.from(bank.enabled)).toEqual([1, 0, 1]);
    expect(bank.areas).toEqual(['algebra', 'geometry']);
    expect(Array.from(bank.area)).toEqual([0, 1, NO_AREA]);
    expect(bank.areaOf(1)).toBe('geometry');
    expect(bank.areaOf(2)).toBeNull();
    expect(bank.areaIndexOf('missing')).toBe(NO_AREA);
    expect(bank.exposureControl).toBeNull();
    expect(bank.scalingConstant).toBe(1);
  });

  it('should keep Sympson–Hetter parameters only when some item is controlled', () => {
    const bank = createBankSnapshot([{ a: 1, b: 0, exposureControl: 0.4 }, { a: 1, b: 1 }], { scalingConstant: 1.702 });
    expect(Array.from(bank.exposureControl ?? [])).toEqual([0.4, 1]);
    expect(bank.scalingConstant).toBe(1.702);
  });

  it('should reject invalid item parameters with the item position', () => {
    expect(() => createBankSnapshot([{ a: 1, b: 0 }, { a: -1, b: 0 }])).toThrow(/item 1: a/);
    expect(() => createBankSnapshot([{ a: 1, b: 0, c: 0.5, d: 0.4 }])).toThrow(RangeError);
    expect(() => createBankSnapshot([], { scalingConstant: 0 })).toThrow(RangeError);
  });

  it('should fit 100,000 items in at most 8 MB', () => {
    const items = Array.from({ length: 100_000 }, (_, i) => ({
      a: 1 + (i % 7) / 10,
      b: (i % 13) / 4 - 1.5,
      c: 0.1,
      d: 0.98,
      area: `area-${i % 5}`,
      exposureControl: 0.8,
    }));
    const bank = createBankSnapshot(items);
    expect(bank.byteLength).toBeLessThanOrEqual(8 * 1024 * 1024);
  });
});

describe('validateItemParameters', () => {
  it('should list every problem as { field, message }', () => {
    const problems = validateItemParameters({ a: 0, b: Number.NaN, c: 1.2, d: 1.5, exposureControl: 0 });
    expect(problems.map((p) => p.field)).toEqual(['a', 'b', 'c', 'd', 'exposureControl']);
  });

  it('should accept a valid 4PL item', () => {
    expect(validateItemParameters({ a: 1.5, b: 0, c: 0.2, d: 0.9 })).toEqual([]);
  });
});
