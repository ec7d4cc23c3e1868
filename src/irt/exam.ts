import type { ItemBankSnapshot } from './bank-snapshot.js';
import type { SelectionTrace } from './candidate-ranking.js';
import { classificationOf, isClassified, nearestCutScore, type Classification } from './classification.js';
import { contentTargetsFor } from './content-balancing.js';
import { createBankSnapshot } from './create-bank-snapshot.js';
import type { ExamConfig } from './exam-config.js';
import { estimateAbility, type AbilityEstimate, type EstimationOptions, type EstimatorName } from './estimators.js';
import { NO_ENEMY_GROUP } from './item-columns.js';
import type { BankItemInput } from './item-parameters.js';
import { MODEL_4PL } from './model.js';
import { pickPretestItem, pretestPositions } from './pretest.js';
import { rngForStep } from './rng.js';
import { selectNextItem } from './selection.js';
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
  /** History entries, pretest items included. */
  answered: number;
  /** Scored history entries (pretest items excluded): what θ, SE and the stopping rules count. */
  scored: number;
  /** With `config.classification`: the band of θ̂ (`classificationOf`). */
  classification?: Classification;
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

/** The scored part of a history: item indices and scores of its entries whose item is not a pretest item. */
interface ScoredResponses {
  itemIndices: Int32Array;
  responses: Uint8Array;
}

/**
 * Validates every history entry and keeps the scored ones (pretest items are not). Throws RangeError on an item
 * index outside the bank or a score outside 0..categories − 1 of its item, naming `history[k]`.
 */
function scoredResponsesOf(bank: ItemBankSnapshot, history: readonly ExamHistoryEntry[]): ScoredResponses {
  let scored = 0;
  for (let k = 0; k < history.length; k++) {
    const { itemIndex, score } = history[k];
    if (!Number.isInteger(itemIndex) || itemIndex < 0 || itemIndex >= bank.size) {
      throw new RangeError(`history[${k}].itemIndex ${itemIndex} is outside the bank (size ${bank.size})`);
    }
    const maxScore = bank.categories[itemIndex] - 1;
    if (!Number.isInteger(score) || score < 0 || score > maxScore) {
      throw new RangeError(`history[${k}].score ${score} is not a score of item ${itemIndex} (0 to ${maxScore})`);
    }
    if (bank.pretest[itemIndex] === 0) scored++;
  }
  const itemIndices = new Int32Array(scored);
  const responses = new Uint8Array(scored);
  let j = 0;
  for (let k = 0; k < history.length; k++) {
    const { itemIndex, score } = history[k];
    if (bank.pretest[itemIndex] === 1) continue;
    itemIndices[j] = itemIndex;
    responses[j] = score;
    j++;
  }
  return { itemIndices, responses };
}

/**
 * Current θ estimate for an exam from its full answer history; entries whose item is a pretest item are validated
 * but take no part. With no (scored) history: θ = startTheta, SE = prior SD, estimatorUsed = the configured estimator.
 * Throws RangeError on an item index outside the bank or a score outside 0..categories − 1 of its item.
 */
export function estimateExam(config: ExamConfig, bank: ItemBankSnapshot, history: readonly ExamHistoryEntry[]): AbilityEstimate {
  const { itemIndices, responses } = scoredResponsesOf(bank, history);
  return estimateAbility(config.estimator, bank, itemIndices, responses, estimationOptions(config, bank));
}

/**
 * Items adaptive selection must not pick beyond the administered and excluded ones: every pretest item, and every
 * item of an enemy group one of whose items is in the history (excluded items block no group: they were not
 * administered in this exam). Null when the bank has neither enemy groups nor pretest items (selection's plain path).
 */
export function withheldItems(bank: ItemBankSnapshot, history: readonly ExamHistoryEntry[]): Int32Array | null {
  if (!bank.hasEnemies && bank.pretestItems.length === 0) return null;
  const blocked = blockedEnemyGroups(bank, history);
  let length = bank.pretestItems.length;
  for (const group of blocked) length += bank.enemyGroupMembers(group).length;
  const withheld = new Int32Array(length);
  withheld.set(bank.pretestItems);
  let offset = bank.pretestItems.length;
  for (const group of blocked) {
    const members = bank.enemyGroupMembers(group);
    withheld.set(members, offset);
    offset += members.length;
  }
  return withheld;
}

/** Enemy group codes of the items in the history. */
export function blockedEnemyGroups(bank: ItemBankSnapshot, history: readonly ExamHistoryEntry[]): Set<number> {
  const blocked = new Set<number>();
  if (!bank.hasEnemies) return blocked;
  for (const { itemIndex } of history) {
    const group = bank.enemyGroup[itemIndex];
    if (group !== NO_ENEMY_GROUP) blocked.add(group);
  }
  return blocked;
}

/** The pretest items still available: enabled, neither administered nor excluded, not in a blocked enemy group. */
function pretestCandidates(bank: ItemBankSnapshot, history: readonly ExamHistoryEntry[], excluded: ArrayLike<number>): number[] {
  const unavailable = new Set<number>();
  for (const { itemIndex } of history) unavailable.add(itemIndex);
  for (let k = 0; k < excluded.length; k++) unavailable.add(excluded[k]);
  const blocked = blockedEnemyGroups(bank, history);
  const candidates: number[] = [];
  for (const i of bank.pretestItems) {
    if (bank.enabled[i] === 1 && !unavailable.has(i) && !blocked.has(bank.enemyGroup[i])) candidates.push(i);
  }
  return candidates;
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
  const scalingConstant = config.scalingConstant ?? bank.scalingConstant;
  const { itemIndices, responses } = scoredResponsesOf(bank, history);
  const estimate = estimateAbility(config.estimator, bank, itemIndices, responses, estimationOptions(config, bank));
  const answered = history.length;
  const scored = itemIndices.length;
  const { classification } = config;
  const classified =
    classification !== undefined &&
    scored >= config.minItems &&
    scored < config.maxItems &&
    isClassified(classification, bank, estimate, itemIndices, responses, scalingConstant);
  const stopReason = checkStopping(scored, estimate.se, config, classified);
  const step: ExamStep = { ...estimate, answered, scored, done: false, nextItemIndex: null };
  if (classification !== undefined) step.classification = classificationOf(config, estimate.theta) as Classification;
  if (stopReason !== null) return { ...step, done: true, stopReason };

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

  // A pretest position takes a pretest item while one is left (a uniform pick, from its own seeded stream).
  if (config.pretest !== undefined && bank.pretestItems.length > 0 && pretestPositions(config, seed).includes(answered + 1)) {
    const pretestItem = pickPretestItem(pretestCandidates(bank, history, excluded), seed, answered);
    if (pretestItem !== -1) {
      if (trace !== null) {
        trace.area = -1;
        trace.eligibilityApplied = false; // not an adaptive pick: nothing was passed over
      }
      return { ...step, nextItemIndex: pretestItem };
    }
  }

  const { selection } = config;
  const nextItemIndex = selectNextItem(
    bank,
    selection.target === 'cut' && classification !== undefined ? nearestCutScore(classification.cutScores, estimate.theta) : estimate.theta,
    {
      // Administered pretest items are withheld, not administered, for content balancing: they are not part of the test.
      administered: bank.pretestItems.length > 0 ? administered.filter((index, k) => k >= answered || bank.pretest[index] === 0) : administered,
      withheld: withheldItems(bank, history),
      randomesque: selection.randomesque,
      random: rngForStep(seed, answered),
      contentTargets: selection.contentBalance ? contentTargetsFor(bank, selection.contentBalance) : null,
      eligibility: probabilities === null ? null : { probabilities, seed },
      scalingConstant,
    },
    trace,
  );
  if (nextItemIndex === -1) return { ...step, done: true, stopReason: 'BANK_EXHAUSTED' };
  return { ...step, nextItemIndex };
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
