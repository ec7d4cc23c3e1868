import { createBankSnapshot, type BankItemInput, type ItemBankSnapshot } from './bank-snapshot.js';
import type { ExamConfig } from './exam-config.js';
import { estimateAbility, type AbilityEstimate, type EstimationOptions, type EstimatorName } from './estimators.js';
import { rngForStep } from './rng.js';
import { contentTargetsFor, selectNextItem } from './selection.js';
import { checkStopping, type StopReason } from './stopping.js';

/** One answered item, in administration order. */
export interface ExamHistoryEntry {
  itemIndex: number;
  correct: boolean;
}

export interface NextStepOptions {
  /** Observed exposure rate per item index, required for `selection.maxExposure` to have an effect. */
  exposureRates?: ArrayLike<number> | null;
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
 */
export function estimateExam(config: ExamConfig, bank: ItemBankSnapshot, history: readonly ExamHistoryEntry[]): AbilityEstimate {
  const itemIndices = new Int32Array(history.length);
  const responses = new Uint8Array(history.length);
  for (let k = 0; k < history.length; k++) {
    const { itemIndex, correct } = history[k];
    if (!Number.isInteger(itemIndex) || itemIndex < 0 || itemIndex >= bank.size) {
      throw new RangeError(`history[${k}].itemIndex ${itemIndex} is outside the bank (size ${bank.size})`);
    }
    itemIndices[k] = itemIndex;
    responses[k] = correct ? 1 : 0;
  }
  return estimateAbility(config.estimator, bank, itemIndices, responses, estimationOptions(config, bank));
}

/**
 * Stateless exam step: re-estimates θ from the stored history, applies the stopping rules and,
 * if the exam goes on, selects the next item. The randomness depends only on (seed, history.length),
 * so replaying the same seed and answers yields the same θ and items bit for bit.
 */
export function nextStep(
  config: ExamConfig,
  bank: ItemBankSnapshot,
  history: readonly ExamHistoryEntry[],
  seed: number,
  options: NextStepOptions = {},
): ExamStep {
  const estimate = estimateExam(config, bank, history);
  const answered = history.length;
  const stopReason = checkStopping(answered, estimate.se, config);
  if (stopReason !== null) return { ...estimate, answered, done: true, stopReason, nextItemIndex: null };

  const administered = new Int32Array(answered);
  for (let k = 0; k < answered; k++) administered[k] = history[k].itemIndex;
  const { selection } = config;
  const nextItemIndex = selectNextItem(bank, estimate.theta, {
    administered,
    randomesque: selection.randomesque,
    random: rngForStep(seed, answered),
    contentTargets: selection.contentBalance ? contentTargetsFor(bank, selection.contentBalance) : null,
    exposureRates: options.exposureRates ?? null,
    maxExposure: selection.maxExposure ?? null,
    sympsonHetter: selection.sympsonHetter,
    scalingConstant: config.scalingConstant ?? bank.scalingConstant,
  });
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
 * Estimate-only entry point (e.g. a stateless POST /v1/estimate): raw item parameters and
 * responses in the same order. Throws RangeError on invalid parameters or mismatched lengths.
 */
export function estimateFromItemParameters(
  items: readonly BankItemInput[],
  responses: readonly (0 | 1 | boolean)[],
  options: ParameterEstimationOptions = {},
): AbilityEstimate {
  if (items.length !== responses.length) {
    throw new RangeError(`got ${items.length} items but ${responses.length} responses`);
  }
  const bank = createBankSnapshot(items, { scalingConstant: options.scalingConstant });
  const itemIndices = new Int32Array(items.length);
  const responseBits = new Uint8Array(items.length);
  for (let k = 0; k < items.length; k++) {
    itemIndices[k] = k;
    responseBits[k] = responses[k] === true || responses[k] === 1 ? 1 : 0;
  }
  return estimateAbility(options.estimator ?? 'EAP', bank, itemIndices, responseBits, {
    ...options,
    scalingConstant: bank.scalingConstant,
  });
}
