import { ITEM_MODELS, ItemBankSnapshot, NO_AREA } from './bank-snapshot.js';
import { createBankSnapshot } from './create-bank-snapshot.js';
import { NO_ENEMY_GROUP, fourPlColumns } from './item-columns.js';
import { validateItemParameters, type BankItemInput } from './item-parameters.js';

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

describe('polytomous items in a snapshot', () => {
  const items: BankItemInput[] = [
    { a: 1.2, b: -0.5 },
    { model: 'GRM', a: 1.4, thresholds: [-1, 0, 1.5] },
    { model: 'GPCM', a: 0.8, thresholds: [0.5, -0.2] },
    { model: 'PCM', thresholds: [0.3] },
    { model: '4PL', a: 0.9, b: 1, c: 0.2, d: 0.95 },
  ];

  it('should store model codes, categories and flat thresholds, 4PL items owning none', () => {
    const bank = createBankSnapshot(items);
    expect(ITEM_MODELS).toEqual(['4PL', 'GRM', 'GPCM', 'PCM']);
    expect(Array.from(bank.model)).toEqual([0, 1, 2, 3, 0]);
    expect(Array.from(bank.categories)).toEqual([2, 4, 3, 2, 2]);
    expect(Array.from(bank.thresholdStart)).toEqual([0, 0, 3, 5, 6]);
    expect(Array.from(bank.thresholds)).toEqual([-1, 0, 1.5, 0.5, -0.2, 0.3]);
    expect(bank.categoriesOf(1)).toBe(4);
    expect(bank.modelOf(2)).toBe('GPCM');
    expect(Array.from(bank.thresholdsOf(2))).toEqual([0.5, -0.2]);
    expect(bank.thresholdsOf(0)).toHaveLength(0);
    expect(bank.isPolytomous).toBe(true);
    // PCM: a = 1; polytomous items: b the mean threshold, c = 0, d = 1.
    expect(Array.from(bank.a)).toEqual([1.2, 1.4, 0.8, 1, 0.9]);
    expect(bank.b[1]).toBeCloseTo(0.5 / 3, 15);
    expect([bank.c[2], bank.d[2]]).toEqual([0, 1]);
    expect(bank.parametersOf(1)).toEqual({ model: 'GRM', a: 1.4, thresholds: [-1, 0, 1.5] });
    expect(bank.parametersOf(4)).toEqual({ model: '4PL', a: 0.9, b: 1, c: 0.2, d: 0.95 });
  });

  it('should mark a 4PL-only bank as not polytomous and count the new columns in byteLength', () => {
    const fourPl = createBankSnapshot([{ a: 1, b: 0 }, { a: 2, b: 1 }]);
    expect(fourPl.isPolytomous).toBe(false);
    expect(Array.from(fourPl.categories)).toEqual([2, 2]);
    expect(fourPl.thresholds).toHaveLength(0);
    // a, b, c, d (4 × 8) + enabled (1) + area (2) + model (1) + categories (1) + thresholdStart (4) bytes per item.
    expect(fourPl.byteLength).toBe(2 * (32 + 1 + 2 + 1 + 1 + 4));
    expect(createBankSnapshot(items).byteLength).toBe(5 * 41 + 6 * 8);
  });

  it('should reject inconsistent model columns', () => {
    const bank = createBankSnapshot(items);
    const columns = { model: bank.model, categories: bank.categories, thresholdStart: bank.thresholdStart, thresholds: bank.thresholds.subarray(0, 5) };
    expect(() => new ItemBankSnapshot(bank.a, bank.b, bank.c, bank.d, bank.enabled, bank.area, bank.areas, null, 1, columns)).toThrow(/item 3/);
    const fourPl = createBankSnapshot([{ a: 1, b: 0 }]);
    expect(new ItemBankSnapshot(fourPl.a, fourPl.b, fourPl.c, fourPl.d, fourPl.enabled, fourPl.area, [], null, 1, fourPlColumns(1)).isPolytomous).toBe(false);
  });

  it('should replace item parameters, models included, in a copy (withItemParameters)', () => {
    const bank = createBankSnapshot(items.map((item, i) => ({ ...item, area: i % 2 === 0 ? 'x' : 'y', enabled: i !== 3 })));
    const pinned = bank.withItemParameters([
      [0, { model: 'GPCM', a: 2, thresholds: [1, 2, 3, 4] }],
      [1, { a: 0.7, b: 0.1 }],
    ]);
    expect(pinned.parametersOf(0)).toEqual({ model: 'GPCM', a: 2, thresholds: [1, 2, 3, 4] });
    expect(pinned.parametersOf(1)).toEqual({ model: '4PL', a: 0.7, b: 0.1, c: 0, d: 1 });
    for (const i of [2, 3, 4]) expect(pinned.parametersOf(i)).toEqual(bank.parametersOf(i));
    expect(pinned.enabled).toBe(bank.enabled);
    expect(pinned.areas).toBe(bank.areas);
    expect(bank.parametersOf(0)).toEqual({ model: '4PL', a: 1.2, b: -0.5, c: 0, d: 1 }); // unchanged
    expect(() => bank.withItemParameters([[5, { a: 1, b: 0 }]])).toThrow(RangeError);
    expect(() => bank.withItemParameters([[0, { model: 'GRM', a: 1, thresholds: [1, 0] }]])).toThrow(/item 0: thresholds.1/);
  });
});

describe('validateItemParameters for polytomous items', () => {
  it('should accept valid GRM, GPCM and PCM items (PCM with a omitted or 1)', () => {
    expect(validateItemParameters({ model: 'GRM', a: 1.2, thresholds: [-1, 0, 1] })).toEqual([]);
    expect(validateItemParameters({ model: 'GPCM', a: 0.7, thresholds: [1, -1] })).toEqual([]);
    expect(validateItemParameters({ model: 'PCM', thresholds: [0.2] })).toEqual([]);
    expect(validateItemParameters({ model: 'PCM', a: 1, thresholds: Array.from({ length: 9 }, (_, j) => j) })).toEqual([]);
    // Columns a database holds for every item anyway: b is ignored, c and d at their defaults are fine.
    expect(validateItemParameters({ model: 'GRM', a: 1, b: 0, c: 0, d: 1, thresholds: [0, 1] })).toEqual([]);
  });

  it('should name each problem relative to the item', () => {
    expect(validateItemParameters({ model: 'GRM', a: 1, thresholds: [-1, 0.5, 0.5, 2] })).toEqual([
      { field: 'thresholds.2', message: 'must be greater than thresholds.1 (GRM)' },
    ]);
    expect(validateItemParameters({ model: 'PCM', a: 1.3, thresholds: [0] })).toEqual([{ field: 'a', message: 'must be 1 for PCM' }]);
    expect(validateItemParameters({ model: 'GPCM', a: 1, thresholds: [] })).toEqual([{ field: 'thresholds', message: 'must hold 1 to 9 thresholds' }]);
    expect(validateItemParameters({ model: 'GPCM', a: 1, thresholds: Array.from({ length: 10 }, () => 0) })).toEqual([
      { field: 'thresholds', message: 'must hold 1 to 9 thresholds' },
    ]);
    expect(validateItemParameters({ model: 'GRM', a: 1 })).toEqual([{ field: 'thresholds', message: 'must hold 1 to 9 thresholds' }]);
    expect(validateItemParameters({ model: 'GPCM', thresholds: [0, Number.NaN] }).map((p) => p.field)).toEqual(['a', 'thresholds.1']);
    expect(validateItemParameters({ model: 'GRM', a: 1, c: 0.2, d: 0.9, thresholds: [0] }).map((p) => p.field)).toEqual(['c', 'd']);
    expect(validateItemParameters({ model: 'Rasch' as unknown as 'PCM', a: 1, thresholds: [0] })).toEqual([
      { field: 'model', message: 'must be one of 4PL, GRM, GPCM, PCM' },
    ]);
    expect(validateItemParameters({ a: 1, b: 0, thresholds: [0.5] })).toEqual([{ field: 'thresholds', message: 'do not apply to 4PL items (use b)' }]);
    expect(validateItemParameters({ a: 1 }).map((p) => p.field)).toEqual(['b']);
  });
});

describe('enemy groups and pretest items in a snapshot', () => {
  const items: BankItemInput[] = [
    { a: 1, b: 0, enemyGroup: 'passage-7' },
    { a: 1, b: 1, pretest: true },
    { a: 1, b: 2, enemyGroup: 'clone-3', pretest: true },
    { a: 1, b: 3, enemyGroup: undefined },
    { a: 1, b: 4, enemyGroup: 'passage-7', pretest: false },
    { a: 1, b: 5, enemyGroup: null },
  ];

  it('should code enemy groups by first appearance (−1 = none) and flag pretest items', () => {
    const bank = createBankSnapshot(items);
    expect(bank.enemyGroup).toBeInstanceOf(Int32Array);
    expect(Array.from(bank.enemyGroup)).toEqual([0, NO_ENEMY_GROUP, 1, NO_ENEMY_GROUP, 0, NO_ENEMY_GROUP]);
    expect(bank.enemyGroups).toEqual(['passage-7', 'clone-3']);
    expect(bank.enemyGroupOf(4)).toBe('passage-7');
    expect(bank.enemyGroupOf(5)).toBeNull();
    expect(Array.from(bank.enemyGroupMembers(0))).toEqual([0, 4]);
    expect(Array.from(bank.enemyGroupMembers(1))).toEqual([2]);
    expect(bank.hasEnemies).toBe(true);
    expect(bank.pretest).toBeInstanceOf(Uint8Array);
    expect(Array.from(bank.pretest)).toEqual([0, 1, 1, 0, 0, 0]);
    expect(Array.from(bank.pretestItems)).toEqual([1, 2]);
  });

  it('should give a bank without either shared empty columns, outside its byteLength', () => {
    const plain = createBankSnapshot([{ a: 1, b: 0 }, { a: 1, b: 1 }]);
    expect(Array.from(plain.enemyGroup)).toEqual([NO_ENEMY_GROUP, NO_ENEMY_GROUP]);
    expect(Array.from(plain.pretest)).toEqual([0, 0]);
    expect(plain.enemyGroups).toEqual([]);
    expect(plain.hasEnemies).toBe(false);
    expect(plain.pretestItems).toHaveLength(0);
    const withBoth = createBankSnapshot(items);
    const withNeither = createBankSnapshot(items.map(({ a, b }) => ({ a, b })));
    // enemyGroup (4) + pretest (1) per item, the 3 group members and 2 + 1 offsets (4 each), the 2 pretest indices (4 each).
    expect(withBoth.byteLength - withNeither.byteLength).toBe(6 * 5 + 3 * 4 + 3 * 4 + 2 * 4);
  });

  it('should share the usage columns with withItemParameters copies, and check them in the constructor', () => {
    const bank = createBankSnapshot(items);
    const pinned = bank.withItemParameters([[0, { a: 2, b: 0 }]]);
    expect(pinned.enemyGroup).toBe(bank.enemyGroup);
    expect(pinned.pretest).toBe(bank.pretest);
    expect(Array.from(pinned.pretestItems)).toEqual([1, 2]);
    const columns = { model: bank.model, categories: bank.categories, thresholdStart: bank.thresholdStart, thresholds: bank.thresholds };
    const build = (enemyGroup: Int32Array, pretest: Uint8Array) =>
      new ItemBankSnapshot(bank.a, bank.b, bank.c, bank.d, bank.enabled, bank.area, bank.areas, null, 1, columns, { enemyGroup, enemyGroups: ['g'], pretest });
    expect(() => build(Int32Array.of(0, 0, 0, 1, -1, -1), new Uint8Array(6))).toThrow(/item 3 has an invalid enemy group/);
    expect(() => build(new Int32Array(6), Uint8Array.of(0, 2, 0, 0, 0, 0))).toThrow(/item 1 has an invalid pretest flag/);
    expect(() => build(new Int32Array(5), new Uint8Array(6))).toThrow(/same length/);
  });

  it('should validate enemyGroup (1 to 100 characters or null) and pretest (a boolean)', () => {
    expect(validateItemParameters({ a: 1, b: 0, enemyGroup: 'x'.repeat(100), pretest: true })).toEqual([]);
    expect(validateItemParameters({ a: 1, b: 0, enemyGroup: null, pretest: false })).toEqual([]);
    expect(validateItemParameters({ a: 1, b: 0, enemyGroup: '', pretest: 'yes' as unknown as boolean })).toEqual([
      { field: 'enemyGroup', message: 'must be a string of 1 to 100 characters, or null' },
      { field: 'pretest', message: 'must be a boolean' },
    ]);
    expect(validateItemParameters({ a: 1, b: 0, enemyGroup: 'x'.repeat(101) }).map((p) => p.field)).toEqual(['enemyGroup']);
    expect(() => createBankSnapshot([{ a: 1, b: 0 }, { a: 1, b: 0, enemyGroup: '' }])).toThrow(/item 1: enemyGroup/);
  });
});
