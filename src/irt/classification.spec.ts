import fc from 'fast-check';
import type { ItemBankSnapshot } from './bank-snapshot.js';
import { createBankSnapshot } from './create-bank-snapshot.js';
import {
  classificationDecisions,
  classificationOf,
  confidenceZ,
  nearestCutScore,
  normalQuantile,
  sprtBounds,
  sprtLogLikelihoodRatio,
} from './classification.js';
import { resolveExamConfig, type ExamConfigInput } from './exam-config.js';
import { nextStep, type ExamHistoryEntry } from './exam.js';
import { itemInformation } from './polytomous.js';
import { createRng } from './rng.js';

describe(normalQuantile.name, () => {
  it('should match Φ⁻¹ to ~1e-15 where the rules use it, and elsewhere', () => {
    // Reference values (Python's statistics.NormalDist().inv_cdf, R's qnorm).
    const cases: [number, number][] = [
      [0.5, 0],
      [0.75, 0.6744897501960817],
      [0.9, 1.2815515655446008],
      [0.95, 1.6448536269514715],
      [0.975, 1.959963984540054],
      [0.995, 2.5758293035489004],
      [0.9995, 3.2905267314919255],
      [0.3, -0.5244005127080407],
      [1e-10, -6.361340902404056],
      [1e-30, -11.464024688443617],
    ];
    for (const [p, z] of cases) expect(normalQuantile(p)).toBeCloseTo(z, 13);
    expect(confidenceZ(0.95)).toBeCloseTo(1.959963984540054, 14);
  });

  it('should be antisymmetric and reject p outside (0, 1)', () => {
    // Up to the rounding of 1 − p (< 1.2e-16 relative), which moves Φ⁻¹ by far less than 1e-9 for p ≥ 1e-6.
    fc.assert(fc.property(fc.double({ min: 1e-6, max: 0.5, noNaN: true }), (p) => Math.abs(normalQuantile(p) + normalQuantile(1 - p)) < 1e-9));
    for (const p of [0, 1, -0.1, Number.NaN]) expect(() => normalQuantile(p)).toThrow(RangeError);
  });
});

describe(classificationOf.name, () => {
  const config = resolveExamConfig({ classification: { cutScores: [-1, 0.5, 2], labels: ['basic', 'proficient', 'advanced', 'distinguished'] } });

  it('should count the cut scores ≤ θ (a θ on a cut is in the band above it)', () => {
    expect(classificationOf(config, -3)).toEqual({ band: 0, label: 'basic' });
    expect(classificationOf(config, -1)).toEqual({ band: 1, label: 'proficient' });
    expect(classificationOf(config, 0.4999)).toEqual({ band: 1, label: 'proficient' });
    expect(classificationOf(config, 0.5)).toEqual({ band: 2, label: 'advanced' });
    expect(classificationOf(config, 2.5)).toEqual({ band: 3, label: 'distinguished' });
  });

  it('should give null labels without labels, and null without classification', () => {
    expect(classificationOf(resolveExamConfig({ classification: { cutScores: [0] } }), 0.1)).toEqual({ band: 1, label: null });
    expect(classificationOf(resolveExamConfig(), 0.1)).toBeNull();
  });
});

describe('classification stopping (CI)', () => {
  // 2PL items spread over [-3, 3].
  const bank = createBankSnapshot(Array.from({ length: 61 }, (_, i) => ({ a: 1.5, b: -3 + i / 10 })));
  const input: ExamConfigInput = { minItems: 5, maxItems: 30, seThreshold: 0, classification: { cutScores: [0] } };
  const z = 1.959963984540054;

  it('should stop with CLASSIFIED when θ̂ is clearly away from the cut', () => {
    // Ten correct answers, on items from b = 0 to 1.8: θ̂ ≈ 2.3, SE ≈ 0.54.
    const history = Array.from({ length: 10 }, (_, k) => ({ itemIndex: 30 + 2 * k, score: 1 }));
    const step = nextStep(resolveExamConfig(input), bank, history, 1);
    expect(step).toMatchObject({ done: true, stopReason: 'CLASSIFIED', nextItemIndex: null, answered: 10, scored: 10 });
    expect(step.theta - 0).toBeGreaterThan(z * step.se);
    expect(step.classification).toEqual({ band: 1, label: null });
  });

  it('should go on when the cut lies inside the confidence interval', () => {
    // Alternating answers on items around the cut: θ̂ ≈ 0.
    const history = Array.from({ length: 12 }, (_, k) => ({ itemIndex: 25 + k, score: k % 2 }));
    const step = nextStep(resolveExamConfig(input), bank, history, 1);
    expect(step.done).toBe(false);
    expect(Math.abs(step.theta)).toBeLessThanOrEqual(z * step.se);
    expect(step.classification?.band).toBe(step.theta >= 0 ? 1 : 0);
  });

  it('should apply exactly |θ̂ − c| > z·SE for every cut, once minItems scored answers are in', () => {
    const cuts = [-1, 0.5];
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(60), fc.boolean()), { maxLength: 20 }), fc.constantFrom(0.8, 0.95, 0.99), (answers, confidence) => {
        const seen = new Set<number>();
        const history = answers.filter(([i]) => !seen.has(i) && seen.add(i)).map(([itemIndex, correct]) => ({ itemIndex, score: correct ? 1 : 0 }));
        const config = resolveExamConfig({ ...input, maxItems: 40, classification: { cutScores: cuts, confidence } });
        const step = nextStep(config, bank, history, 3);
        const zc = normalQuantile((1 + confidence) / 2);
        const decided = cuts.every((c) => Math.abs(step.theta - c) > zc * step.se);
        expect(step.stopReason === 'CLASSIFIED').toBe(decided && history.length >= 5);
        return true;
      }),
      { numRuns: 60 },
    );
  });

  it('should report MAX_ITEMS before CLASSIFIED, and CLASSIFIED before SE_THRESHOLD', () => {
    const history = Array.from({ length: 10 }, (_, k) => ({ itemIndex: 30 + 2 * k, score: 1 }));
    expect(nextStep(resolveExamConfig({ ...input, maxItems: 10 }), bank, history, 1).stopReason).toBe('MAX_ITEMS');
    expect(nextStep(resolveExamConfig({ ...input, seThreshold: 2 }), bank, history, 1).stopReason).toBe('CLASSIFIED');
    expect(nextStep(resolveExamConfig({ ...input, minItems: 11 }), bank, history, 1).done).toBe(false);
  });
});

describe('classification stopping (SPRT)', () => {
  it('should compute LLR = log L(c + δ) − log L(c − δ) as by hand for a small 2PL case', () => {
    const bank = createBankSnapshot([
      { a: 1, b: 0 },
      { a: 1.5, b: 0.5 },
      { a: 0.8, b: -1 },
      { a: 1.2, b: 0.2 },
    ]);
    const scores = [1, 1, 0, 1];
    const logL = (theta: number) =>
      scores.reduce((sum, x, i) => {
        const p = 1 / (1 + Math.exp(-bank.a[i] * (theta - bank.b[i])));
        return sum + Math.log(x === 1 ? p : 1 - p);
      }, 0);
    const ratio = sprtLogLikelihoodRatio(bank, Int32Array.of(0, 1, 2, 3), Uint8Array.from(scores), 0.3, 0.2, 1);
    expect(ratio).toBeCloseTo(logL(0.5) - logL(0.1), 13);
    expect(ratio).toBeCloseTo(0.5040397310656548, 13); // the same by hand in Python
    // α = β = 0.05: A = log 19, B = −log 19.
    expect(sprtBounds(0.95).upper).toBeCloseTo(Math.log(19), 14);
    expect(sprtBounds(0.95).lower).toBeCloseTo(-Math.log(19), 14);
    expect(sprtBounds(0.9).upper).toBeCloseTo(Math.log(9), 14);
  });

  // 2PL items located at the cut: each correct answer adds a·δ to the LLR, each wrong one subtracts it (P(c + δ)/P(c − δ) = e^{aδ}).
  const cut = 0.5;
  const bank = createBankSnapshot(Array.from({ length: 40 }, () => ({ a: 2, b: cut })));
  const config = (confidence: number, minItems = 1) =>
    resolveExamConfig({ minItems, maxItems: 40, seThreshold: 0, classification: { cutScores: [cut], method: 'SPRT', indifference: 0.2, confidence } });
  const history = (correct: number, wrong: number): ExamHistoryEntry[] =>
    Array.from({ length: correct + wrong }, (_, k) => ({ itemIndex: k, score: k < correct ? 1 : 0 }));

  it('should decide a cut exactly when the LLR reaches A or falls to B', () => {
    // A = log 19 ≈ 2.944: 8 net correct answers (LLR 3.2) decide "above", 7 (2.8) do not.
    expect(nextStep(config(0.95), bank, history(8, 0), 1).stopReason).toBe('CLASSIFIED');
    expect(nextStep(config(0.95), bank, history(7, 0), 1).done).toBe(false);
    expect(nextStep(config(0.95), bank, history(11, 3), 1).stopReason).toBe('CLASSIFIED');
    expect(nextStep(config(0.95), bank, history(10, 3), 1).done).toBe(false);
    expect(nextStep(config(0.95), bank, history(0, 8), 1)).toMatchObject({ stopReason: 'CLASSIFIED', classification: { band: 0, label: null } });
    expect(nextStep(config(0.95), bank, history(2, 9), 1).done).toBe(false);
    // A = log 9 ≈ 2.197: 6 net correct (2.4) decide, 5 (2.0) do not.
    expect(nextStep(config(0.9), bank, history(6, 0), 1).stopReason).toBe('CLASSIFIED');
    expect(nextStep(config(0.9), bank, history(5, 0), 1).done).toBe(false);
    // Not before minItems.
    expect(nextStep(config(0.95, 9), bank, history(8, 0), 1).done).toBe(false);
  });

  it('should report the decision of each cut', () => {
    const cuts = resolveExamConfig({ classification: { cutScores: [-0.5, cut, 1.5], method: 'SPRT' } }).classification!;
    const answers = history(12, 0);
    const decisions = classificationDecisions(cuts, bank, { theta: 0, se: 1 }, Int32Array.from(answers, (h) => h.itemIndex), Uint8Array.from(answers, (h) => h.score), 1);
    expect(decisions[0]).toBe(1); // cut 1 below the items: each correct answer adds ≈ 0.70 (8.4 ≥ log 19)
    expect(decisions[1]).toBe(1); // 12 · 0.4 = 4.8 ≥ log 19
    expect(decisions[2]).toBe(0); // cut 1 above the items: each correct answer adds only ≈ 0.097 (1.16)
  });
});

describe("selection.target 'cut'", () => {
  const random = createRng(5);
  const bank: ItemBankSnapshot = createBankSnapshot(Array.from({ length: 200 }, () => ({ a: 0.6 + 1.4 * random(), b: 6 * random() - 3, c: random() < 0.3 ? 0.2 : 0 })));

  /** Index of the most informative item at θ among those not in `history` (ties: lower index). */
  function bestAt(theta: number, history: readonly ExamHistoryEntry[]): number {
    let best = -1;
    let bestInformation = -Infinity;
    for (let i = 0; i < bank.size; i++) {
      if (history.some((h) => h.itemIndex === i)) continue;
      const info = itemInformation(bank, i, theta);
      if (info > bestInformation) {
        best = i;
        bestInformation = info;
      }
    }
    return best;
  }

  it('should pick the item most informative at the cut score nearest θ̂', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(199), fc.boolean()), { maxLength: 8 }), fc.nat(), (answers, seed) => {
        const seen = new Set<number>();
        const history = answers.filter(([i]) => !seen.has(i) && seen.add(i)).map(([itemIndex, correct]) => ({ itemIndex, score: correct ? 1 : 0 }));
        const input: ExamConfigInput = { maxItems: 30, seThreshold: 0, minItems: 30, classification: { cutScores: [-1, 1.2] } };
        const atCut = nextStep(resolveExamConfig({ ...input, selection: { target: 'cut' } }), bank, history, seed);
        const atTheta = nextStep(resolveExamConfig(input), bank, history, seed);
        expect(atCut.theta).toBe(atTheta.theta);
        expect(atCut.nextItemIndex).toBe(bestAt(nearestCutScore([-1, 1.2], atCut.theta), history));
        expect(atTheta.nextItemIndex).toBe(bestAt(atTheta.theta, history));
        return true;
      }),
      { numRuns: 50 },
    );
  });

  it('should pick differently from θ̂ when θ̂ is far from the cut', () => {
    const config = resolveExamConfig({ startTheta: -2, classification: { cutScores: [1] }, selection: { target: 'cut' } });
    const step = nextStep(config, bank, [], 1);
    expect(step.nextItemIndex).toBe(bestAt(1, []));
    expect(step.nextItemIndex).not.toBe(bestAt(-2, []));
  });

  it('should take the lower cut when θ̂ is halfway between two', () => {
    expect(nearestCutScore([-1, 1], 0)).toBe(-1);
    expect(nearestCutScore([-1, 1], 0.01)).toBe(1);
    expect(nearestCutScore([0.5], -3)).toBe(0.5);
  });
});
