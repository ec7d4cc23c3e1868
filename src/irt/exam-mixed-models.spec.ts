import fc from 'fast-check';
import { categoryCandidate, simulateExam } from '../../test/support/simulated-exam.js';
import { createBankSnapshot } from './create-bank-snapshot.js';
import { resolveExamConfig, type ExamConfig } from './exam-config.js';
import { estimateExam, estimateFromItemParameters, nextStep, type ExamStep } from './exam.js';
import { createRng } from './rng.js';

describe('exams over a bank that mixes models', () => {
  const random = createRng(21);
  const bank = createBankSnapshot(
    Array.from({ length: 120 }, (_, i) => {
      const a = 0.8 + 1.2 * random();
      const location = 4 * random() - 2;
      if (i % 3 === 0) return { a, b: location };
      if (i % 3 === 1) return { model: 'GRM' as const, a, thresholds: [location - 1, location, location + 1] };
      return { model: 'GPCM' as const, a, thresholds: [location + 0.5, location - 0.5] };
    }),
  );

  /** Runs an exam, scoring each item by drawing from its category probabilities at trueTheta. */
  function runMixedExam(config: ExamConfig, seed: number, trueTheta: number): ExamStep[] {
    return simulateExam(config, bank, seed, categoryCandidate(bank, trueTheta)).steps;
  }

  it('should run to a stop with every estimator and replay identically', () => {
    fc.assert(
      fc.property(fc.constantFrom<'EAP' | 'MAP' | 'MLE' | 'WLE'>('EAP', 'MAP', 'MLE', 'WLE'), fc.nat(), fc.double({ min: -2.5, max: 2.5, noNaN: true }), (estimator, seed, trueTheta) => {
        const config = resolveExamConfig({ estimator, maxItems: 25, seThreshold: 0.35, selection: { randomesque: 2 } });
        const steps = runMixedExam(config, seed, trueTheta);
        expect(runMixedExam(config, seed, trueTheta)).toEqual(steps);
        const last = steps[steps.length - 1];
        expect(last.done).toBe(true);
        expect(Number.isFinite(last.theta) && Number.isFinite(last.se)).toBe(true);
        if (last.stopReason === 'SE_THRESHOLD') expect(last.se).toBeLessThanOrEqual(0.35);
        return true;
      }),
      { numRuns: 20 },
    );
  });

  it('should measure better with polytomous items than with their dichotomised 2PL counterparts', () => {
    // Same locations and slopes as 2PL items: 4-category GRM items carry more information at θ = 0.
    const config = resolveExamConfig({ maxItems: 10, seThreshold: 0 });
    const grmOnly = createBankSnapshot(Array.from({ length: 30 }, (_, i) => ({ model: 'GRM' as const, a: 1, thresholds: [i / 10 - 2.5, i / 10 - 1.5, i / 10 - 0.5] })));
    const twoPl = createBankSnapshot(Array.from({ length: 30 }, (_, i) => ({ a: 1, b: i / 10 - 1.5 })));
    const grm = nextStep(config, grmOnly, Array.from({ length: 10 }, (_, k) => ({ itemIndex: k, score: 1 + (k % 2) })), 1);
    const dichotomous = nextStep(config, twoPl, Array.from({ length: 10 }, (_, k) => ({ itemIndex: k, score: k % 2 })), 1);
    expect(grm.se).toBeLessThan(dichotomous.se);
  });

  it('should reject a score outside its item’s categories, naming the history entry', () => {
    const config = resolveExamConfig();
    expect(bank.categoriesOf(1)).toBe(4);
    expect(nextStep(config, bank, [{ itemIndex: 1, score: 3 }], 1).answered).toBe(1);
    expect(() => nextStep(config, bank, [{ itemIndex: 1, score: 4 }], 1)).toThrow(/history\[0\]\.score/);
    expect(() => nextStep(config, bank, [{ itemIndex: 0, score: 1 }, { itemIndex: 0, score: 2 }], 1)).toThrow(/history\[1\]\.score/);
    expect(() => nextStep(config, bank, [{ itemIndex: 2, score: 0.5 }], 1)).toThrow(RangeError);
  });

  it('should match the estimate-only entry point for the same items and scores', () => {
    const history = [1, 2, 3, 4, 5].map((itemIndex, k) => ({ itemIndex, score: k % 2 }));
    const config = resolveExamConfig({ estimator: 'WLE' });
    expect(estimateExam(config, bank, history)).toEqual(
      estimateFromItemParameters(
        history.map(({ itemIndex }) => bank.parametersOf(itemIndex)),
        history.map((h) => h.score),
        { estimator: 'WLE' },
      ),
    );
  });
});
