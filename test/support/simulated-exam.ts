import {
  categoryProbabilities,
  createRng,
  nextStep,
  type ExamConfig,
  type ExamHistoryEntry,
  type ExamStep,
  type ItemBankSnapshot,
} from '../../src/irt/index.js';

/**
 * Exams the engine's specs run to their end against a simulated candidate. One loop for every spec, so that they all
 * answer the same way: one uniform draw per item from a generator seeded by the exam's seed, so a run replays exactly.
 */

/** The score a simulated candidate gives item `itemIndex`, decided by a uniform draw u in [0, 1). */
export type SimulatedCandidate = (itemIndex: number, u: number) => number;

/** A candidate at `trueTheta` answering 4PL items: correct when u < P(θ) (logistic metric, whatever the bank's D). */
export function fourPlCandidate(bank: ItemBankSnapshot, trueTheta: number): SimulatedCandidate {
  return (i, u) => (u < bank.c[i] + (bank.d[i] - bank.c[i]) / (1 + Math.exp(-bank.a[i] * (trueTheta - bank.b[i]))) ? 1 : 0);
}

/** A candidate at `trueTheta` answering items of any model: the score is drawn from the item's category probabilities. */
export function categoryCandidate(bank: ItemBankSnapshot, trueTheta: number): SimulatedCandidate {
  return (i, u) => {
    const probabilities = categoryProbabilities(bank, i, trueTheta);
    let rest = u;
    let score = 0;
    while (score < probabilities.length - 1 && rest >= probabilities[score]) rest -= probabilities[score++];
    return score;
  };
}

/** Runs an exam until it has no next item, returning every step and the answers given. */
export function simulateExam(
  config: ExamConfig,
  bank: ItemBankSnapshot,
  seed: number,
  candidate: SimulatedCandidate,
): { steps: ExamStep[]; history: ExamHistoryEntry[] } {
  const draws = createRng(seed ^ 0x5bd1e995);
  const history: ExamHistoryEntry[] = [];
  const steps: ExamStep[] = [];
  for (;;) {
    const step = nextStep(config, bank, history, seed);
    steps.push(step);
    if (step.nextItemIndex === null) return { steps, history };
    history.push({ itemIndex: step.nextItemIndex, score: candidate(step.nextItemIndex, draws()) });
  }
}
