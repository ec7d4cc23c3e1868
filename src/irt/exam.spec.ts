import fc from 'fast-check';
import { fourPlCandidate, simulateExam } from '../../test/support/simulated-exam.js';
import type { ItemBankSnapshot } from './bank-snapshot.js';
import { createBankSnapshot } from './create-bank-snapshot.js';
import { resolveExamConfig, type ExamConfig, type ExamConfigInput } from './exam-config.js';
import { estimateExam, estimateFromItemParameters, nextStep, type ExamHistoryEntry, type ExamStep } from './exam.js';
import { createRng } from './rng.js';

function generateBank(size: number, seed: number): ItemBankSnapshot {
  const random = createRng(seed);
  return createBankSnapshot(
    Array.from({ length: size }, (_, i) => ({
      a: 0.8 + 1.2 * random(),
      b: 6 * random() - 3,
      c: i % 4 === 0 ? 0.2 : 0,
      area: i % 2 === 0 ? 'algebra' : 'geometry',
    })),
  );
}

/** Runs an exam to completion against a simulated 4PL candidate, returning every step. */
function runExam(config: ExamConfig, bank: ItemBankSnapshot, seed: number, trueTheta: number): ExamStep[] {
  return simulateExam(config, bank, seed, fourPlCandidate(bank, trueTheta)).steps;
}

const configArbitrary = fc.record({
  estimator: fc.constantFrom<'EAP' | 'MAP' | 'MLE'>('EAP', 'MAP', 'MLE'),
  randomesque: fc.integer({ min: 1, max: 5 }),
  maxItems: fc.integer({ min: 1, max: 25 }),
  seThreshold: fc.constantFrom(0, 0.3, 0.5),
  balance: fc.boolean(),
});

function configFrom(input: { estimator: 'EAP' | 'MAP' | 'MLE'; randomesque: number; maxItems: number; seThreshold: number; balance: boolean }): ExamConfig {
  const partial: ExamConfigInput = {
    estimator: input.estimator,
    maxItems: input.maxItems,
    seThreshold: input.seThreshold,
    selection: { randomesque: input.randomesque, contentBalance: input.balance ? { algebra: 0.5, geometry: 0.5 } : undefined },
  };
  return resolveExamConfig(partial);
}

describe(nextStep.name, () => {
  const bank = generateBank(200, 1);

  it('should start at startTheta with the prior SD and pick the most informative item there', () => {
    const config = resolveExamConfig({ startTheta: 1, prior: { sd: 1.5 } });
    const step = nextStep(config, bank, [], 7);
    expect(step).toMatchObject({ theta: 1, se: 1.5, estimatorUsed: 'EAP', answered: 0, done: false });
    expect(step.nextItemIndex).not.toBeNull();
  });

  it('should give identical steps for identical config, history and seed (replay)', () => {
    fc.assert(
      fc.property(configArbitrary, fc.nat(), fc.double({ min: -2.5, max: 2.5, noNaN: true }), (input, seed, trueTheta) => {
        const config = configFrom(input);
        const first = runExam(config, bank, seed, trueTheta);
        const second = runExam(config, bank, seed, trueTheta);
        expect(second).toEqual(first);
        return true;
      }),
      { numRuns: 40 },
    );
  });

  it('should rebuild the same θ bit for bit from the stored responses', () => {
    const config = resolveExamConfig({ maxItems: 15, seThreshold: 0, selection: { randomesque: 3 } });
    const history: ExamHistoryEntry[] = [];
    const random = createRng(11);
    for (let k = 0; k < 15; k++) {
      const step = nextStep(config, bank, history, 99);
      history.push({ itemIndex: step.nextItemIndex as number, score: random() < 0.6 ? 1 : 0 });
      const replay = nextStep(config, bank, history.slice(0, k), 99);
      expect(Object.is(replay.theta, step.theta)).toBe(true);
      expect(replay.nextItemIndex).toBe(step.nextItemIndex);
    }
  });

  it('should stop with the right reason and respect maxItems / minItems', () => {
    fc.assert(
      fc.property(configArbitrary, fc.nat(), fc.double({ min: -2.5, max: 2.5, noNaN: true }), (input, seed, trueTheta) => {
        const config = configFrom(input);
        const steps = runExam(config, bank, seed, trueTheta);
        const last = steps[steps.length - 1];
        const administered = steps.slice(0, -1).map((s) => s.nextItemIndex);
        expect(new Set(administered).size).toBe(administered.length);
        expect(last.done).toBe(true);
        expect(last.nextItemIndex).toBeNull();
        expect(last.answered).toBeLessThanOrEqual(config.maxItems);
        if (last.stopReason === 'MAX_ITEMS') expect(last.answered).toBe(config.maxItems);
        if (last.stopReason === 'SE_THRESHOLD') {
          expect(last.se).toBeLessThanOrEqual(config.seThreshold);
          expect(last.answered).toBeGreaterThanOrEqual(config.minItems);
        }
        for (const step of steps.slice(0, -1)) {
          expect(step.done).toBe(false);
          if (config.seThreshold > 0 && step.answered >= config.minItems) expect(step.se).toBeGreaterThan(config.seThreshold);
        }
        return true;
      }),
      { numRuns: 40 },
    );
  });

  it('should report BANK_EXHAUSTED when no eligible item is left', () => {
    const tiny = createBankSnapshot([{ a: 1, b: 0 }, { a: 1, b: 1 }, { a: 1, b: 2, enabled: false }]);
    const config = resolveExamConfig({ maxItems: 10, seThreshold: 0 });
    const step = nextStep(config, tiny, [
      { itemIndex: 0, score: 1 },
      { itemIndex: 1, score: 0 },
    ], 1);
    expect(step).toMatchObject({ done: true, stopReason: 'BANK_EXHAUSTED', nextItemIndex: null, answered: 2 });
  });

  it('should report the MLE → MAP fallback while answers are all correct', () => {
    const config = resolveExamConfig({ estimator: 'MLE' });
    const first = nextStep(config, bank, [], 3);
    const step = nextStep(config, bank, [{ itemIndex: first.nextItemIndex as number, score: 1 }], 3);
    expect(step.estimatorUsed).toBe('MAP');
    expect(step.theta).toBeGreaterThan(0);
  });

  it('should apply the eligibility supplied by the service only when selection.maxExposure is set', () => {
    const eligibility = new Float64Array(bank.size); // nothing eligible but item 17
    eligibility[17] = 1;
    const controlled = resolveExamConfig({ selection: { maxExposure: 0.3 } });
    expect(nextStep(controlled, bank, [], 5, { eligibility }).nextItemIndex).toBe(17);
    const uncontrolled = resolveExamConfig();
    expect(nextStep(uncontrolled, bank, [], 5, { eligibility }).nextItemIndex).toBe(nextStep(uncontrolled, bank, [], 5).nextItemIndex);
  });

  it("should apply the bank's Sympson–Hetter K only when selection.sympsonHetter is set", () => {
    const items = Array.from({ length: bank.size }, (_, i) => ({ a: bank.a[i], b: bank.b[i], c: bank.c[i], exposureControl: 1e-9 }));
    items[17].exposureControl = 1;
    const controlledBank = createBankSnapshot(items);
    const withK = resolveExamConfig({ selection: { sympsonHetter: true } });
    expect(nextStep(withK, controlledBank, [], 5).nextItemIndex).toBe(17);
    const withoutK = resolveExamConfig();
    expect(nextStep(withoutK, controlledBank, [], 5).nextItemIndex).toBe(nextStep(withoutK, bank, [], 5).nextItemIndex);
  });

  it('should never select excluded items, which take no part in estimation', () => {
    const config = resolveExamConfig({ maxItems: 30, seThreshold: 0 });
    const history = [{ itemIndex: 3, score: 1 }];
    const first = nextStep(config, bank, history, 8);
    const excluded = [first.nextItemIndex as number, 40];
    const step = nextStep(config, bank, history, 8, { excluded });
    expect(excluded).not.toContain(step.nextItemIndex);
    expect(step.theta).toBe(first.theta);
    expect(step.answered).toBe(1);
    expect(() => nextStep(config, bank, history, 8, { excluded: [bank.size] })).toThrow(RangeError);
  });

  it('should reject history entries outside the bank', () => {
    expect(() => nextStep(resolveExamConfig(), bank, [{ itemIndex: 999, score: 1 }], 1)).toThrow(RangeError);
  });
});

describe(estimateExam.name, () => {
  it('should match the estimate-only entry point for the same items and answers', () => {
    const bank = generateBank(30, 2);
    const history = [3, 8, 12, 20].map((itemIndex, k) => ({ itemIndex, score: k % 2 === 0 ? 1 : 0 }));
    const config = resolveExamConfig({ estimator: 'MAP' });
    const fromExam = estimateExam(config, bank, history);
    const fromParams = estimateFromItemParameters(
      history.map(({ itemIndex: i }) => ({ a: bank.a[i], b: bank.b[i], c: bank.c[i], d: bank.d[i] })),
      history.map((h) => h.score),
      { estimator: 'MAP' },
    );
    expect(fromExam).toEqual(fromParams);
  });
});

describe(estimateFromItemParameters.name, () => {
  it('should reject mismatched lengths and invalid parameters', () => {
    expect(() => estimateFromItemParameters([{ a: 1, b: 0 }], [])).toThrow(RangeError);
    expect(() => estimateFromItemParameters([{ a: 0, b: 0 }], [1])).toThrow(RangeError);
  });

  it('should default to EAP and accept boolean responses', () => {
    const result = estimateFromItemParameters([{ a: 1, b: 0 }, { a: 1, b: 1 }], [true, false]);
    expect(result.estimatorUsed).toBe('EAP');
    expect(result).toEqual(estimateFromItemParameters([{ a: 1, b: 0 }, { a: 1, b: 1 }], [1, 0]));
  });
});

describe('enemy sets', () => {
  const GROUPS = ['e0', 'e1', 'e2', 'e3', 'e4'];
  const itemArbitrary = fc.record({
    a: fc.double({ min: 0.5, max: 2, noNaN: true }),
    b: fc.double({ min: -3, max: 3, noNaN: true }),
    area: fc.constantFrom('p', 'q', null),
    enemyGroup: fc.option(fc.constantFrom(...GROUPS), { freq: 2 }),
    enabled: fc.double({ min: 0, max: 1, noNaN: true }).map((u) => u > 0.1),
  });
  const scenarioArbitrary = fc.record({
    items: fc.array(itemArbitrary, { minLength: 5, maxLength: 60 }),
    history: fc.array(fc.tuple(fc.nat(), fc.boolean()), { maxLength: 10 }),
    excluded: fc.array(fc.nat(), { maxLength: 4 }),
    randomesque: fc.integer({ min: 1, max: 4 }),
    balance: fc.boolean(),
    exposure: fc.boolean(),
    seed: fc.nat(),
    trueTheta: fc.double({ min: -2.5, max: 2.5, noNaN: true }),
  });

  it('should never select an item whose enemy group an administered item belongs to (any fallback, any history)', () => {
    fc.assert(
      fc.property(scenarioArbitrary, ({ items, history: raw, excluded: rawExcluded, randomesque, balance, exposure, seed }) => {
        const bank = createBankSnapshot(items);
        const seen = new Set<number>();
        const history = raw.filter(([i]) => !seen.has(i % items.length) && seen.add(i % items.length)).map(([i, correct]) => ({ itemIndex: i % items.length, score: correct ? 1 : 0 }));
        const excluded = rawExcluded.map((i) => i % items.length);
        const config = resolveExamConfig({
          maxItems: 100,
          seThreshold: 0,
          selection: { randomesque, contentBalance: balance ? { p: 0.7 } : undefined, maxExposure: exposure ? 0.2 : undefined },
        });
        const eligibility = Float64Array.from(items, (_, i) => (i % 3 === 0 ? 1 : 0)); // most items ineligible: forces the fallback
        const step = nextStep(config, bank, history, seed, { eligibility, excluded });
        const blocked = new Set(history.map((h) => bank.enemyGroup[h.itemIndex]).filter((g) => g !== -1));
        const available = Array.from({ length: bank.size }, (_, i) => i).filter(
          (i) => bank.enabled[i] === 1 && !seen.has(i) && !excluded.includes(i) && !blocked.has(bank.enemyGroup[i]),
        );
        if (step.nextItemIndex === null) {
          expect(step.stopReason).toBe('BANK_EXHAUSTED');
          expect(available).toEqual([]);
        } else {
          expect(available).toContain(step.nextItemIndex);
        }
        return true;
      }),
      { numRuns: 300 },
    );
  });

  it('should never let two items of a group co-occur in a complete exam', () => {
    fc.assert(
      fc.property(scenarioArbitrary, ({ items, randomesque, balance, seed, trueTheta }) => {
        const bank = createBankSnapshot(items);
        const config = resolveExamConfig({ maxItems: 40, seThreshold: 0, selection: { randomesque, contentBalance: balance ? { p: 0.5, q: 0.5 } : undefined } });
        const steps = runExam(config, bank, seed, trueTheta);
        const administered = steps.slice(0, -1).map((s) => s.nextItemIndex as number);
        const groups = administered.map((i) => bank.enemyGroup[i]).filter((g) => g !== -1);
        expect(new Set(groups).size).toBe(groups.length);
        expect(new Set(administered).size).toBe(administered.length);
        return true;
      }),
      { numRuns: 100 },
    );
  });

  it('should end with BANK_EXHAUSTED when only enemies of administered items are left', () => {
    const bank = createBankSnapshot([
      { a: 1, b: 0, enemyGroup: 'g' },
      { a: 2, b: 0, enemyGroup: 'g' },
      { a: 1.5, b: 0, enemyGroup: 'g', area: 'x' },
    ]);
    const config = resolveExamConfig({ maxItems: 3, seThreshold: 0, selection: { contentBalance: { x: 1 }, maxExposure: 0.5 } });
    const first = nextStep(config, bank, [], 1, { eligibility: [1, 1, 1] });
    expect(first.nextItemIndex).toBe(2); // content balancing: area x
    expect(nextStep(config, bank, [{ itemIndex: 2, score: 1 }], 1, { eligibility: [0, 0, 0] })).toMatchObject({ done: true, stopReason: 'BANK_EXHAUSTED' });
    // Excluded items (seen in an earlier exam) block no group.
    expect(nextStep(config, bank, [], 1, { excluded: [1] }).nextItemIndex).toBe(2);
  });

  it('should select exactly as before in a bank whose enemy groups are not yet touched', () => {
    const plain = generateBank(120, 9);
    const withGroups = createBankSnapshot(
      Array.from({ length: plain.size }, (_, i) => ({ a: plain.a[i], b: plain.b[i], c: plain.c[i], area: plain.areaOf(i), enemyGroup: i % 10 === 0 ? `g${i % 3}` : null })),
    );
    const config = resolveExamConfig({ maxItems: 15, seThreshold: 0, selection: { randomesque: 2, contentBalance: { algebra: 0.5, geometry: 0.5 } } });
    const history: ExamHistoryEntry[] = [];
    for (let k = 0; k < 15; k++) {
      const expected = nextStep(config, plain, history, 4);
      const actual = nextStep(config, withGroups, history, 4);
      const groups = new Set(history.map((h) => withGroups.enemyGroup[h.itemIndex]).filter((g) => g !== -1));
      if (expected.nextItemIndex === null || groups.has(withGroups.enemyGroup[expected.nextItemIndex])) break;
      expect(actual).toEqual(expected);
      history.push({ itemIndex: actual.nextItemIndex as number, score: k % 2 });
    }
  });
});
