import { createBankSnapshot, type BankItemInput, type ItemBankSnapshot } from './bank-snapshot.js';
import type { ExamConfig } from './exam-config.js';
import { estimateAbility, type AbilityEstimate, type EstimationOptions, type EstimatorName } from './estimators.js';
import { MODEL_4PL } from './model.js';
import { rngForStep } from './rng.js';
import { contentTargetsFor, selectNextItem, type SelectionTrace } from './selection.js';
import { checkStopping, type StopReason } from './stopping.js';

/** One answered item, in administration order. */
export interface ExamHistoryEntry {
  itemIndex: number;
  /** Score 0..categories − 1 of the item (`bank.categoriesOf(itemIndex)`); a 4PL item: 1 correct, 0 wrong. */
  score: number;
}

export interface NextStepOptions {
  /**
   * Eligibility probability per item index (`eligibilityProbabilities` of the bank's exposure counts), used when
   * `selection.maxExposure` is set. The draws are the exam seed's, so `markEligible(eligibility, seed)` tells the
   * service which items this exam counts as eligible.
   */
  eligibility?: ArrayLike<number> | null;
  /** Item indices never to select in this exam; they take no part in estimation. */
  excluded?: ArrayLike<number> | null;
}

/** Everything the service needs to persist or return after an answer (all plain, serialisable values). */
export interface ExamStep extends AbilityEstimate {
  answered: number;
  done: boolean;
  stopReason?: StopReason;
  /** Item to administer next, or null when the exam is done. */
  nextItemIndex: number | null;
}

function estimationOptions(config: ExamConfig, bank: ItemBankSnapshot): EstimationOptions {
  return {
    prior: config.prior,
    thetaRange: config.thetaRange,
    quadraturePoints: config.quadraturePoints,
    startTheta: config.startTheta,
    scalingConstant: config.scalingConstant ?? bank.scalingConstant,
  };
}

/**
 * Current θ estimate for an exam from its full answer history.
 * With no history: θ = startTheta, SE = prior SD, estimatorUsed = the configured estimator.
 * Throws RangeError on an item index outside the bank or a score outside 0..categories − 1 of its item.
 */
export function estimateExam(config: ExamConfig, bank: ItemBankSnapshot, history: readonly ExamHistoryEntry[]): AbilityEstimate {
  const itemIndices = new Int32Array(history.length);
  const responses = new Uint8Array(history.length);
  for (let k = 0; k < history.length; k++) {
    const { itemIndex, score } = history[k];
    if (!Number.isInteger(itemIndex) || itemIndex < 0 || itemIndex >= bank.size) {
      throw new RangeError(`history[${k}].itemIndex ${itemIndex} is outside the bank (size ${bank.size})`);
    }
    const maxScore = bank.categories[itemIndex] - 1;
    if (!Number.isInteger(score) || score < 0 || score > maxScore) {
      throw new RangeError(`history[${k}].score ${score} is not a score of item ${itemIndex} (0 to ${maxScore})`);
    }
    itemIndices[k] = itemIndex;
    responses[k] = score;
  }
  return estimateAbility(config.estimator, bank, itemIndices, responses, estimationOptions(config, bank));
}

/** The exposure-control probabilities an exam selects with: the bank's K (opt-in), the service's eligibility, or none. */
function exposureProbabilities(config: ExamConfig, bank: ItemBankSnapshot, options: NextStepOptions): ArrayLike<number> | null {
  if (config.selection.sympsonHetter) return bank.exposureControl;
  if (config.selection.maxExposure !== undefined) return options.eligibility ?? null;
  return null;
}

/**
 * Stateless exam step: re-estimates θ from the stored history, applies the stopping rules and,
 * if the exam goes on, selects the next item. The randomness depends only on (seed, history.length),
 * and exposure control's on (seed, item), so replaying the same seed and answers (with the same
 * eligibility) yields the same θ and items bit for bit.
 */
export function nextStep(
  config: ExamConfig,
  bank: ItemBankSnapshot,
  history: readonly ExamHistoryEntry[],
  seed: number,
  options: NextStepOptions = {},
): ExamStep {
  return stepWithEligibility(config, bank, history, seed, exposureProbabilities(config, bank, options), options.excluded ?? []);
}

/**
 * `nextStep` with the exposure-control probabilities given directly: Sympson–Hetter calibration simulates exams
 * under its own K this way. `trace` receives how the next item was picked.
 */
export function stepWithEligibility(
  config: ExamConfig,
  bank: ItemBankSnapshot,
  history: readonly ExamHistoryEntry[],
  seed: number,
  probabilities: ArrayLike<number> | null,
  excluded: ArrayLike<number>,
  trace: SelectionTrace | null = null,
): ExamStep {
  const estimate = estimateExam(config, bank, history);
  const answered = history.length;
  const stopReason = checkStopping(answered, estimate.se, config);
  if (stopReason !== null) return { ...estimate, answered, done: true, stopReason, nextItemIndex: null };

  // Excluded items are withheld from selection like administered ones.
  const administered = new Int32Array(answered + excluded.length);
  for (let k = 0; k < answered; k++) administered[k] = history[k].itemIndex;
  for (let k = 0; k < excluded.length; k++) {
    const index = excluded[k];
    if (!Number.isInteger(index) || index < 0 || index >= bank.size) {
      throw new RangeError(`excluded item index ${index} is outside the bank (size ${bank.size})`);
    }
    administered[answered + k] = index;
  }
  const { selection } = config;
  const nextItemIndex = selectNextItem(
    bank,
    estimate.theta,
    {
      administered,
      randomesque: selection.randomesque,
      random: rngForStep(seed, answered),
      contentTargets: selection.contentBalance ? contentTargetsFor(bank, selection.contentBalance) : null,
      eligibility: probabilities === null ? null : { probabilities, seed },
      scalingConstant: config.scalingConstant ?? bank.scalingConstant,
    },
    trace,
  );
  if (nextItemIndex === -1) {
    return { ...estimate, answered, done: true, stopReason: 'BANK_EXHAUSTED', nextItemIndex: null };
  }
  return { ...estimate, answered, done: false, nextItemIndex };
}

export interface ParameterEstimationOptions extends EstimationOptions {
  /** Default EAP. */
  estimator?: EstimatorName;
}

/**
 * Estimate-only entry point (e.g. a stateless POST /v1/estimate): raw item parameters (any mix of models) and
 * their scores in the same order (0..categories − 1; a 4PL item also takes true / false). Throws RangeError on
 * invalid parameters, mismatched lengths or a score that is not one of its item's (naming `responses[k]`).
 */
export function estimateFromItemParameters(
  items: readonly BankItemInput[],
  responses: readonly (number | boolean)[],
  options: ParameterEstimationOptions = {},
): AbilityEstimate {
  if (items.length !== responses.length) {
    throw new RangeError(`got ${items.length} items but ${responses.length} responses`);
  }
  const bank = createBankSnapshot(items, { scalingConstant: options.scalingConstant });
  const itemIndices = new Int32Array(items.length);
  const scores = new Uint8Array(items.length);
  for (let k = 0; k < items.length; k++) {
    itemIndices[k] = k;
    const response = responses[k];
    const maxScore = bank.categories[k] - 1;
    if (typeof response === 'boolean') {
      if (bank.model[k] !== MODEL_4PL) throw new RangeError(`responses[${k}] must be a score 0 to ${maxScore}, not a boolean (item ${k} is ${bank.modelOf(k)})`);
      scores[k] = response ? 1 : 0;
    } else if (Number.isInteger(response) && response >= 0 && response <= maxScore) {
      scores[k] = response;
    } else {
      throw new RangeError(`responses[${k}] = ${response} is not a score of item ${k} (0 to ${maxScore})`);
    }
  }
  return estimateAbility(options.estimator ?? 'EAP', bank, itemIndices, scores, {
    ...options,
    scalingConstant: bank.scalingConstant,
  });
}
