import { createRng, rngForStep, stepSeed } from './rng.js';

describe(createRng.name, () => {
  it('should produce the same sequence for the same seed and values in [0, 1)', () => {
    const first = createRng(42);
    const second = createRng(42);
    for (let i = 0; i < 1000; i++) {
      const value = first();
      expect(value).toBe(second());
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
    }
  });

  it('should be roughly uniform', () => {
    const random = createRng(7);
    let sum = 0;
    for (let i = 0; i < 100_000; i++) sum += random();
    expect(sum / 100_000).toBeCloseTo(0.5, 2);
  });
});

describe(rngForStep.name, () => {
  it('should depend only on (seed, step)', () => {
    expect(rngForStep(123, 5)()).toBe(rngForStep(123, 5)());
    expect(rngForStep(123, 5)()).not.toBe(rngForStep(123, 6)());
    expect(rngForStep(123, 5)()).not.toBe(rngForStep(124, 5)());
  });

  it('should give distinct stream seeds for neighbouring steps', () => {
    const seeds = new Set(Array.from({ length: 1000 }, (_, step) => stepSeed(99, step)));
    expect(seeds.size).toBe(1000);
  });
});
