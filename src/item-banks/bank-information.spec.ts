import { createBankSnapshot, itemInformation } from '../irt/index.js';
import { itemCounts, testInformation, thetaGrid } from './bank-information.js';

describe('bank information', () => {
  it('should space the θ grid evenly with both ends exact', () => {
    expect(thetaGrid(-4, 4, 5)).toEqual([-4, -2, 0, 2, 4]);
    const grid = thetaGrid(-1.3, 2.9, 401);
    expect(grid).toHaveLength(401);
    expect(grid[0]).toBe(-1.3);
    expect(grid[400]).toBe(2.9);
  });

  it('should sum the information of enabled, non-pretest items only, with SE = 1/√I and null where I = 0', async () => {
    const bank = createBankSnapshot([
      { a: 1.3, b: 0.2, c: 0.1 },
      { model: 'GPCM', a: 0.8, thresholds: [-0.5, 0.9] },
      { a: 2, b: 0, pretest: true },
      { a: 2, b: 1, enabled: false },
    ]);
    const thetas = [-1, 0, 1.5];
    const points = await testInformation(bank, thetas);
    for (const [p, theta] of thetas.entries()) {
      const expected = itemInformation(bank, 0, theta) + itemInformation(bank, 1, theta);
      expect(points[p]).toEqual({ theta, information: expected, se: 1 / Math.sqrt(expected) });
    }
    const nothing = await testInformation(createBankSnapshot([{ a: 1, b: 0, enabled: false }]), [0]);
    expect(nothing).toEqual([{ theta: 0, information: 0, se: null }]);
  });

  it('should give the same curve when it yields to the event loop on a large bank', async () => {
    const items = Array.from({ length: 3_000 }, (_, i) => ({ a: 1 + (i % 7) / 10, b: -3 + (6 * i) / 2_999 }));
    const bank = createBankSnapshot(items);
    const thetas = thetaGrid(-3, 3, 101);
    // Queued before the computation starts: it runs before the curve is done only if the computation yields.
    const order: string[] = [];
    setImmediate(() => order.push('other work'));
    const points = await testInformation(bank, thetas);
    order.push('curve');
    expect(order).toEqual(['other work', 'curve']);
    const direct = thetas.map((theta) => items.reduce((sum, _, i) => sum + itemInformation(bank, i, theta), 0));
    expect(points.map((point) => point.information)).toEqual(direct);
  });

  it('should count items by role and content area, areas by name and the items without one last, skipping gaps', () => {
    const bank = createBankSnapshot([
      { a: 1, b: 0, area: 'stats' },
      { a: 1, b: 0, area: 'algebra', pretest: true },
      { a: 1, b: 0 },
      { a: 1, b: 0, area: 'algebra', enabled: false },
      { a: 1, b: 0, area: 'algebra' },
      { a: 1, b: 0, enabled: false },
    ]);
    const gap = 5;
    expect(itemCounts(bank, (item) => item !== gap)).toEqual({
      items: { operational: 3, pretest: 1, disabled: 1 },
      contentAreas: [
        { area: 'algebra', operational: 1, pretest: 1, disabled: 1 },
        { area: 'stats', operational: 1, pretest: 0, disabled: 0 },
        { area: null, operational: 1, pretest: 0, disabled: 0 },
      ],
    });
  });
});
