import fc from 'fast-check';
import { fourPlCandidate, simulateExam } from '../../test/support/simulated-exam.js';
import type { ItemBankSnapshot } from './bank-snapshot.js';
import { createBankSnapshot } from './create-bank-snapshot.js';
import type { BankItemInput } from './item-parameters.js';
import { resolveExamConfig, type ExamConfig, type ExamConfigInput } from './exam-config.js';
import { estimateExam, nextStep, type ExamHistoryEntry, type ExamStep } from './exam.js';
import { pretestPositions } from './pretest.js';
import { createRng } from './rng.js';

/** 150 operational 2PL/3PL items and 12 pretest items (every 13th item), in two areas, some pretest items in enemy groups. */
function generateItems(seed: number): BankItemInput[] {
  const random = createRng(seed);
  return Array.from({ length: 162 }, (_, i) => ({
    a: 0.8 + 1.2 * random(),
    b: 6 * random() - 3,
    c: i % 4 === 0 ? 0.2 : 0,
    area: i % 2 === 0 ? 'algebra' : 'geometry',
    pretest: i % 13 === 5,
  }));
}

const bank = createBankSnapshot(generateItems(3));
const isPretest = (entry: ExamHistoryEntry) => bank.pretest[entry.itemIndex] === 1;

/** Runs an exam to completion against a simulated 4PL candidate, returning every step and the history. */
function runExam(config: ExamConfig, examBank: ItemBankSnapshot, seed: number, trueTheta: number): { steps: ExamStep[]; history: ExamHistoryEntry[] } {
  return simulateExam(config, examBank, seed, fourPlCandidate(examBank, trueTheta));
}

describe(pretestPositions.name, () => {
  it('should return given positions sorted, and none without pretest', () => {
    expect(pretestPositions(resolveExamConfig({ pretest: { count: 3, positions: [9, 2, 5] } }), 1)).toEqual([2, 5, 9]);
    expect(pretestPositions(resolveExamConfig(), 1)).toEqual([]);
  });

  it('should draw count distinct positions in [2, max(minItems, 2) + count − 1] ⊂ [2, minItems + count], the same for the same seed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 40 }), fc.nat(0xffffffff), (count, minItems, seed) => {
        const config = resolveExamConfig({ minItems, maxItems: 50, pretest: { count } });
        const positions = pretestPositions(config, seed);
        expect(positions).toEqual(pretestPositions(config, seed));
        expect(positions).toHaveLength(count);
        expect(new Set(positions).size).toBe(count);
        const last = Math.max(minItems, 2) + count - 1;
        if (minItems >= 1) expect(last).toBeLessThanOrEqual(minItems + count);
        for (const position of positions) {
          expect(Number.isInteger(position)).toBe(true);
          expect(position).toBeGreaterThanOrEqual(2);
          expect(position).toBeLessThanOrEqual(last);
        }
        expect(positions).toEqual([...positions].sort((x, y) => x - y));
        return true;
      }),
    );
  });

  it('should draw positions that all come before the exam may stop (minItems ≥ 2)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 2, max: 8 }), fc.nat(), (count, minItems, seed) => {
        // Fixed length: the exam stops as soon as it may.
        const config = resolveExamConfig({ minItems, maxItems: minItems, seThreshold: 0, pretest: { count } });
        const { history } = runExam(config, bank, seed, 0);
        expect(history.flatMap((entry, k) => (isPretest(entry) ? [k + 1] : []))).toEqual(pretestPositions(config, seed));
        expect(history).toHaveLength(minItems + count);
        return true;
      }),
      { numRuns: 40 },
    );
  });

  it('should spread the draws over the whole range as seeds vary', () => {
    const config = resolveExamConfig({ minItems: 10, maxItems: 30, pretest: { count: 2 } });
    const seen = new Map<number, number>();
    for (let seed = 0; seed < 2000; seed++) for (const position of pretestPositions(config, seed)) seen.set(position, (seen.get(position) ?? 0) + 1);
    expect([...seen.keys()].sort((x, y) => x - y)).toEqual(Array.from({ length: 10 }, (_, j) => j + 2)); // [2, 11]
    // Uniform: each of the 10 positions is drawn with probability 2/10 (400 of 2,000 seeds).
    for (const count of seen.values()) expect(Math.abs(count - 400)).toBeLessThan(80);
  });
});

describe('pretest items in exams', () => {
  const input: ExamConfigInput = { minItems: 10, maxItems: 10, seThreshold: 0, selection: { randomesque: 2, contentBalance: { algebra: 0.5, geometry: 0.5 } } };

  it('should administer pretest items exactly at the given positions, and never adaptively', () => {
    fc.assert(
      fc.property(fc.nat(), fc.double({ min: -2.5, max: 2.5, noNaN: true }), (seed, trueTheta) => {
        const config = resolveExamConfig({ ...input, pretest: { count: 3, positions: [2, 7, 11] } });
        const { steps, history } = runExam(config, bank, seed, trueTheta);
        const positions = history.flatMap((entry, k) => (isPretest(entry) ? [k + 1] : []));
        expect(positions).toEqual([2, 7, 11]);
        // maxItems counts scored items only: 10 scored + 3 pretest.
        expect(history).toHaveLength(13);
        const last = steps[steps.length - 1];
        expect(last).toMatchObject({ done: true, stopReason: 'MAX_ITEMS', answered: 13, scored: 10 });
        expect(new Set(history.map((h) => h.itemIndex)).size).toBe(13);
        return true;
      }),
      { numRuns: 30 },
    );
  });

  it('should never select a pretest item adaptively, even when nothing else is left', () => {
    const tiny = createBankSnapshot([{ a: 1, b: 0 }, { a: 2, b: 0, pretest: true }, { a: 1, b: 1 }]);
    const config = resolveExamConfig({ maxItems: 5, seThreshold: 0 });
    expect(nextStep(config, tiny, [], 1).nextItemIndex).toBe(0);
    expect(nextStep(config, tiny, [{ itemIndex: 0, score: 1 }], 1).nextItemIndex).toBe(2);
    expect(nextStep(config, tiny, [{ itemIndex: 0, score: 1 }, { itemIndex: 2, score: 0 }], 1)).toMatchObject({ done: true, stopReason: 'BANK_EXHAUSTED' });
  });

  it('should give θ and SE of the scored responses alone at every step', () => {
    for (const estimator of ['EAP', 'MAP', 'MLE', 'WLE'] as const) {
      const config = resolveExamConfig({ ...input, estimator, pretest: { count: 4 } });
      const { steps, history } = runExam(config, bank, 77, 0.8);
      expect(history.flatMap((entry, k) => (isPretest(entry) ? [k + 1] : []))).toEqual(pretestPositions(config, 77));
      expect(history.filter(isPretest)).toHaveLength(4);
      for (let k = 0; k < steps.length; k++) {
        const scoredHistory = history.slice(0, k).filter((entry) => !isPretest(entry));
        const expected = estimateExam(config, bank, scoredHistory);
        expect(Object.is(steps[k].theta, expected.theta) && Object.is(steps[k].se, expected.se)).toBe(true);
        expect(steps[k].estimatorUsed).toBe(expected.estimatorUsed);
        expect(steps[k]).toMatchObject({ answered: k, scored: scoredHistory.length });
        // estimateExam itself ignores the pretest entries.
        expect(estimateExam(config, bank, history.slice(0, k))).toEqual(expected);
      }
    }
  });

  it('should decide stopping on scored answers only', () => {
    // A pretest answer (here at position 1) counts towards neither minItems nor SE: the exam goes on until a scored one.
    const config = resolveExamConfig({ minItems: 1, maxItems: 3, seThreshold: 5, pretest: { count: 1, positions: [1] } });
    const pretestItem = bank.pretestItems[0];
    const first = nextStep(config, bank, [], 1);
    expect(first.nextItemIndex).not.toBeNull();
    expect(bank.pretest[first.nextItemIndex as number]).toBe(1);
    const afterPretest = nextStep(config, bank, [{ itemIndex: pretestItem, score: 1 }], 1);
    expect(afterPretest).toMatchObject({ done: false, answered: 1, scored: 0 });
    const afterScored = nextStep(config, bank, [{ itemIndex: pretestItem, score: 1 }, { itemIndex: afterPretest.nextItemIndex as number, score: 1 }], 1);
    expect(afterScored).toMatchObject({ done: true, stopReason: 'SE_THRESHOLD', answered: 2, scored: 1 });
  });

  it('should skip positions whose turn never comes, and take an adaptive item where no pretest item is left', () => {
    // The exam stops after 10 scored items: position 20 never comes.
    const config = resolveExamConfig({ ...input, pretest: { count: 2, positions: [3, 20] } });
    const { history } = runExam(config, bank, 5, 0);
    expect(history.flatMap((entry, k) => (isPretest(entry) ? [k + 1] : []))).toEqual([3]);
    expect(history).toHaveLength(11);
    // A bank with a single pretest item: the second position gets an adaptive one.
    const items = generateItems(3).map((item, i) => ({ ...item, pretest: i === 5 }));
    const single = createBankSnapshot(items);
    const { history: singleHistory } = runExam(resolveExamConfig({ ...input, pretest: { count: 2, positions: [2, 4] } }), single, 5, 0);
    expect(singleHistory.flatMap((entry, k) => (single.pretest[entry.itemIndex] === 1 ? [k + 1] : []))).toEqual([2]);
    expect(singleHistory).toHaveLength(11);
  });

  it('should pick pretest items uniformly, deterministically per seed, skipping disabled, excluded and enemy-blocked ones', () => {
    const config = resolveExamConfig({ ...input, pretest: { count: 1, positions: [2] } });
    const history = [{ itemIndex: 0, score: 1 }];
    const counts = new Map<number, number>();
    for (let seed = 0; seed < 1200; seed++) {
      const pick = nextStep(config, bank, history, seed).nextItemIndex as number;
      expect(nextStep(config, bank, history, seed).nextItemIndex).toBe(pick);
      counts.set(pick, (counts.get(pick) ?? 0) + 1);
    }
    expect([...counts.keys()].sort((x, y) => x - y)).toEqual(Array.from(bank.pretestItems));
    for (const count of counts.values()) expect(Math.abs(count - 100)).toBeLessThan(40);

    const items = generateItems(3).map((item, i) => ({
      ...item,
      enabled: i !== 5,
      enemyGroup: i === 18 || i === 0 ? 'g' : null,
    }));
    const constrained = createBankSnapshot(items);
    const picks = new Set<number>();
    for (let seed = 0; seed < 400; seed++) picks.add(nextStep(config, constrained, history, seed, { excluded: [31] }).nextItemIndex as number);
    // Pretest items 5 (disabled), 18 (enemy of item 0) and 31 (excluded) are never picked.
    expect([...picks].sort((x, y) => x - y)).toEqual(Array.from(bank.pretestItems).filter((i) => ![5, 18, 31].includes(i)));
  });

  it('should block the enemies of an administered pretest item', () => {
    const items = generateItems(3).map((item, i) => ({ ...item, enemyGroup: i === 5 || i === 6 ? 'g' : null }));
    const grouped = createBankSnapshot(items);
    const config = resolveExamConfig({ startTheta: grouped.b[6], maxItems: 5, seThreshold: 0 });
    const history = [{ itemIndex: 5, score: 1 }];
    fc.assert(fc.property(fc.nat(), (seed) => nextStep(config, grouped, history, seed).nextItemIndex !== 6));
  });

  it('should replay identically and keep θ, items and stopping of a bank without pretest items when positions are set', () => {
    const plain = createBankSnapshot(generateItems(3).map((item) => ({ ...item, pretest: false })));
    const withPositions = resolveExamConfig({ ...input, pretest: { count: 3 } });
    const without = resolveExamConfig(input);
    const a = runExam(withPositions, plain, 9, 0.3);
    const b = runExam(without, plain, 9, 0.3);
    expect(a).toEqual(b);
    const first = runExam(withPositions, bank, 9, 0.3);
    expect(runExam(withPositions, bank, 9, 0.3)).toEqual(first);
  });
});
