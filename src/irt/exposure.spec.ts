import fc from 'fast-check';
import { itemArbitrary } from '../../test/support/irt-reference.js';
import type { ItemBankSnapshot } from './bank-snapshot.js';
import { contentTargetsFor } from './content-balancing.js';
import { createBankSnapshot } from './create-bank-snapshot.js';
import { resolveExamConfig, type ExamConfig } from './exam-config.js';
import { nextStep, type ExamHistoryEntry } from './exam.js';
import { eligibilityProbabilities, exposureDraw, markEligible, testOverlapRate } from './exposure.js';
import { probability } from './model.js';
import { createRng } from './rng.js';
import { selectNextItem } from './selection.js';
import { sympsonHetterCalibration, type SympsonHetterOptions, type SympsonHetterProgress, type SympsonHetterResult } from './sympson-hetter.js';

/** χ² statistic of `values` in [0, 1) over `bins` equal bins. */
function chiSquare(values: number[], bins: number): number {
  const observed = new Array<number>(bins).fill(0);
  for (const value of values) observed[Math.floor(value * bins)]++;
  const expected = values.length / bins;
  return observed.reduce((sum, count) => sum + (count - expected) ** 2 / expected, 0);
}
/** χ² with 19 degrees of freedom exceeds this with probability 0.001. */
const CHI_SQUARE_19_CRITICAL = 43.82;

describe(exposureDraw.name, () => {
  it('should be a number in [0, 1), the same for the same exam seed and item', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.nat(100_000), (seed, item) => {
        const draw = exposureDraw(seed, item);
        return draw >= 0 && draw < 1 && draw === exposureDraw(seed, item);
      }),
    );
  });

  it('should be uniform across the items of an exam and across exams for an item', () => {
    const acrossItems = Array.from({ length: 20_000 }, (_, item) => exposureDraw(12345, item));
    const acrossSeeds = Array.from({ length: 20_000 }, (_, seed) => exposureDraw(seed, 7));
    expect(chiSquare(acrossItems, 20)).toBeLessThan(CHI_SQUARE_19_CRITICAL);
    expect(chiSquare(acrossSeeds, 20)).toBeLessThan(CHI_SQUARE_19_CRITICAL);
    // The χ² check itself can fail: draws squeezed into half the range do.
    expect(chiSquare(acrossItems.map((draw) => draw / 2), 20)).toBeGreaterThan(CHI_SQUARE_19_CRITICAL);
  });

  it('should differ between exam seeds', () => {
    for (const [first, second] of [
      [1, 2],
      [0, 0x80000000],
      [12345, 12346],
    ]) {
      const same = Array.from({ length: 1000 }, (_, item) => exposureDraw(first, item) === exposureDraw(second, item));
      expect(same.filter(Boolean).length).toBe(0);
    }
  });
});

describe(eligibilityProbabilities.name, () => {
  const counts = {
    exams: 100,
    administrations: [0, 10, 50, 100, 20],
    eligible: [100, 100, 60, 100, 40],
  };

  it('should keep P(eligible)·P(administered | eligible) at maxExposure, 1 for items never administered, 0 at or over it', () => {
    expect(Array.from(eligibilityProbabilities(counts, 0.25))).toEqual([
      1, // never administered
      1, // 0.25 · 100 / 10 = 2.5, capped
      0, // rate 0.5: over the target
      0, // rate 1
      0.5, // 0.25 · 40 / 20: not gated, although its rate 20/100 is under 0.25
    ]);
    expect(Array.from(eligibilityProbabilities({ exams: 100, administrations: [24, 25], eligible: [60, 60] }, 0.25))).toEqual([0.625, 0]);
  });

  it('should write into `out` when given', () => {
    const out = new Float64Array(5).fill(-1);
    expect(eligibilityProbabilities(counts, 0.5, out)).toBe(out);
    expect(Array.from(out)).toEqual([1, 1, 0, 0, 1]);
  });

  it('should reject a maxExposure outside (0, 1] and mismatched lengths', () => {
    expect(() => eligibilityProbabilities(counts, 0)).toThrow(RangeError);
    expect(() => eligibilityProbabilities(counts, 1.5)).toThrow(RangeError);
    expect(() => eligibilityProbabilities({ ...counts, eligible: [1] }, 0.25)).toThrow(RangeError);
    expect(() => eligibilityProbabilities(counts, 0.25, new Float64Array(4))).toThrow(RangeError);
  });
});

describe(markEligible.name, () => {
  it('should make each item eligible in the share of exams its probability says', () => {
    const probabilities = [0, 0.1, 0.5, 0.9, 1, 2];
    const eligibleExams = new Array<number>(probabilities.length).fill(0);
    const out = new Uint8Array(probabilities.length);
    const exams = 20_000;
    let disagreements = 0;
    for (let seed = 0; seed < exams; seed++) {
      markEligible(probabilities, seed, out);
      probabilities.forEach((p, i) => {
        if (out[i] !== (p >= 1 || exposureDraw(seed, i) < p ? 1 : 0)) disagreements++;
        eligibleExams[i] += out[i];
      });
    }
    expect(markEligible(probabilities, 1, out)).toBe(out);
    expect(disagreements).toBe(0);
    // Binomial SD at most 0.0035: 0.015 is over 4 SD.
    eligibleExams.forEach((count, i) => expect(Math.abs(count / exams - Math.min(1, probabilities[i]))).toBeLessThan(0.015));
  });
});

describe('selection under eligibility', () => {
  const bankArbitrary = fc.array(fc.tuple(itemArbitrary, fc.constantFrom('a', 'b')), { minLength: 1, maxLength: 80 });

  it('should never pick an ineligible item while an eligible one is left, and fall back when none is', () => {
    fc.assert(
      fc.property(
        bankArbitrary,
        fc.double({ min: -3, max: 3, noNaN: true }),
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.boolean(),
        (pairs, theta, raw, seed, balanced) => {
          const bank = createBankSnapshot(pairs.map(([item, area]) => ({ ...item, area })));
          const administered = [...new Set(raw.map((r) => r % bank.size))];
          const random = createRng(seed);
          const probabilities = Float64Array.from(pairs, () => [0, 0.2, 0.6, 1][Math.floor(random() * 4)]);
          const eligible = markEligible(probabilities, seed, new Uint8Array(bank.size));
          const contentTargets = balanced ? contentTargetsFor(bank, { a: 0.5, b: 0.5 }) : null;
          const chosen = selectNextItem(bank, theta, { administered, contentTargets, eligibility: { probabilities, seed } });
          const left = Array.from({ length: bank.size }, (_, i) => i).filter((i) => !administered.includes(i));
          if (left.length === 0) return chosen === -1;
          return left.some((i) => eligible[i] === 1) ? eligible[chosen] === 1 : left.includes(chosen);
        },
      ),
    );
  });
});

describe(testOverlapRate.name, () => {
  it('should match a hand-computed example, with or without the items never given', () => {
    // n = 4: L = 2, mean 0.5, S² = (0 + 0 + 0.25 + 0.25) / 4 = 0.125, T = 4 · 0.125 / 2 + 2 / 4 = 0.75.
    expect(testOverlapRate([0.5, 0.5, 1, 0])).toBeCloseTo(0.75, 12);
    // n = 3: mean 2/3, S² = 1/18, T = 3 · (1/18) / 2 + 2 / 3 = 0.75.
    expect(testOverlapRate([0.5, 0.5, 1])).toBeCloseTo(0.75, 12);
  });

  it('should be 1 when every exam gives the same L items, and 0 when nothing is given', () => {
    expect(testOverlapRate([1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0])).toBe(1);
    expect(testOverlapRate([0, 0, 0])).toBe(0);
  });

  it('should be the mean share of items two exams have in common', () => {
    const random = createRng(3);
    const bankSize = 30;
    const length = 6;
    const exams = Array.from({ length: 40 }, () => {
      const items = new Set<number>();
      while (items.size < length) items.add(Math.floor(random() * bankSize * random()));
      return items;
    });
    const rates = Array.from({ length: bankSize }, (_, i) => exams.filter((exam) => exam.has(i)).length / exams.length);
    // Over all ordered pairs of exams, each exam paired with itself too.
    let shared = 0;
    for (const first of exams) for (const second of exams) shared += [...first].filter((i) => second.has(i)).length / length;
    expect(testOverlapRate(rates)).toBeCloseTo(shared / exams.length ** 2, 12);
  });
});

describe(sympsonHetterCalibration.name, () => {
  const random = createRng(1);
  const bank = createBankSnapshot(Array.from({ length: 60 }, () => ({ a: 0.8 + 1.2 * random(), b: 4 * random() - 2 })));
  const config = resolveExamConfig({ minItems: 5, maxItems: 5, seThreshold: 0 });
  const options: SympsonHetterOptions = { targetRate: 0.3, simulees: 200, maxIterations: 20, tolerance: 0.05, seed: 7 };

  function run(runOptions: SympsonHetterOptions): { progress: SympsonHetterProgress[]; result: SympsonHetterResult } {
    const calibration = sympsonHetterCalibration(bank, config, runOptions);
    const progress: SympsonHetterProgress[] = [];
    for (;;) {
      const step = calibration.next();
      if (step.done) return { progress, result: step.value };
      progress.push(step.value);
    }
  }

  /** Highest administration rate of `candidates` fresh exams through nextStep. */
  function maxRate(examBank: ItemBankSnapshot, examConfig: ExamConfig, candidates: number): number {
    const administrations = new Array<number>(examBank.size).fill(0);
    const people = createRng(99);
    for (let person = 0; person < candidates; person++) {
      const theta = 4 * people() - 2;
      const seed = Math.floor(people() * 2 ** 32);
      const answers = createRng(seed ^ 0x1234);
      const history: ExamHistoryEntry[] = [];
      for (let step = nextStep(examConfig, examBank, history, seed); step.nextItemIndex !== null; step = nextStep(examConfig, examBank, history, seed)) {
        const i = step.nextItemIndex;
        administrations[i]++;
        history.push({ itemIndex: i, score: answers() < probability(theta, { a: examBank.a[i], b: examBank.b[i] }) ? 1 : 0 });
      }
    }
    return Math.max(...administrations) / candidates;
  }

  it('should converge to K in (0, 1] that hold the exposure of nextStep exams near the target', () => {
    const { result } = run(options);
    expect(result.converged).toBe(true);
    expect(result.maxExposure).toBeLessThanOrEqual(options.targetRate + (options.tolerance as number));
    expect(result.iterations).toBeGreaterThan(1);
    for (const k of result.k) {
      expect(k).toBeGreaterThan(0);
      expect(k).toBeLessThanOrEqual(1);
    }
    expect(result.k.some((k) => k < 1)).toBe(true);

    // Applied by nextStep to candidates the calibration never saw; without K the best items are in most exams.
    const items = Array.from({ length: bank.size }, (_, i) => ({ a: bank.a[i], b: bank.b[i], exposureControl: result.k[i] }));
    const uncontrolled = maxRate(bank, config, 300);
    const controlled = maxRate(createBankSnapshot(items), resolveExamConfig({ ...config, selection: { sympsonHetter: true } }), 300);
    expect(uncontrolled).toBeGreaterThan(0.6);
    expect(controlled).toBeLessThan(options.targetRate + 0.1);
  });

  it('should report progress every 25 candidates and K at the end of each iteration', () => {
    const { progress, result } = run({ ...options, simulees: 60, maxIterations: 2, tolerance: 0 });
    expect(progress.map(({ iteration, simulated }) => [iteration, simulated])).toEqual([
      [1, 25],
      [1, 50],
      [1, 60],
      [2, 25],
      [2, 50],
      [2, 60],
    ]);
    const ends = progress.filter((p) => p.k !== undefined);
    expect(ends.map((p) => p.simulated)).toEqual([60, 60]);
    expect(ends.every((p) => p.converged === false && (p.maxExposure as number) > 0)).toBe(true);
    expect(ends[1].k).toEqual(result.k);
    expect(ends[1].k).not.toBe(result.k); // a copy
    expect(result).toMatchObject({ iterations: 2, converged: false, maxExposure: ends[1].maxExposure });
  });

  it('should reproduce an uninterrupted run when resumed from an iteration’s K', () => {
    const uninterrupted = run({ ...options, maxIterations: 4, tolerance: 0 });
    const afterTwo = uninterrupted.progress.find((p) => p.iteration === 2 && p.k !== undefined) as SympsonHetterProgress;
    const resumed = run({ ...options, maxIterations: 4, tolerance: 0, initialK: afterTwo.k, firstIteration: 3 });
    expect(resumed.result).toEqual(uninterrupted.result);
    expect(resumed.result.iterations).toBe(4);
    expect(resumed.progress).toEqual(uninterrupted.progress.filter((p) => p.iteration >= 3));
  });

  it('should calibrate a bank that mixes 4PL, GRM and GPCM items', () => {
    const mixedRandom = createRng(2);
    const mixed = createBankSnapshot(
      Array.from({ length: 60 }, (_, i) => {
        const [a, location] = [0.8 + 1.2 * mixedRandom(), 4 * mixedRandom() - 2];
        if (i % 3 === 0) return { a, b: location };
        return i % 3 === 1 ? { model: 'GRM' as const, a, thresholds: [location - 1, location, location + 1] } : { model: 'GPCM' as const, a, thresholds: [location, location - 0.5] };
      }),
    );
    const calibration = sympsonHetterCalibration(mixed, config, { ...options, simulees: 100 });
    let step = calibration.next();
    while (!step.done) step = calibration.next();
    expect(step.value.converged).toBe(true);
    expect(step.value.k.some((k) => k < 1)).toBe(true);
  });

  it('should reject invalid options', () => {
    expect(() => run({ ...options, targetRate: 0 })).toThrow(RangeError);
    expect(() => run({ ...options, simulees: 0 })).toThrow(RangeError);
    expect(() => run({ ...options, initialK: [1, 1] })).toThrow(RangeError);
    expect(() => run({ ...options, initialK: new Array<number>(bank.size).fill(0) })).toThrow(RangeError);
    expect(() => run({ ...options, firstIteration: options.maxIterations + 1 })).toThrow(RangeError);
    expect(() => run({ ...options, seed: -1 })).toThrow(RangeError);
  });
});

describe(`${sympsonHetterCalibration.name} with pretest items, enemy sets and classification`, () => {
  it('should converge without counting pretest items, whatever their (uncontrollable) rate', () => {
    const random = createRng(3);
    // 2 pretest items for 1 pretest position: each is given in about half the exams, far above the target.
    const bank = createBankSnapshot(
      Array.from({ length: 62 }, (_, i) => ({ a: 0.8 + 1.2 * random(), b: 4 * random() - 2, pretest: i >= 60, enemyGroup: i % 10 === 0 ? 'g' : null })),
    );
    const config = resolveExamConfig({ minItems: 5, maxItems: 5, seThreshold: 0, pretest: { count: 1 }, classification: { cutScores: [0.5] }, selection: { target: 'cut' } });
    const calibration = sympsonHetterCalibration(bank, config, { targetRate: 0.3, simulees: 200, maxIterations: 20, tolerance: 0.05, seed: 7 });
    let step = calibration.next();
    while (!step.done) step = calibration.next();
    expect(step.value.converged).toBe(true);
    expect(step.value.k[60]).toBe(1);
    expect(step.value.k[61]).toBe(1);
    expect(step.value.k.some((k) => k < 1)).toBe(true);
  });
});
