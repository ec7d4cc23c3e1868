/**
 * Sympson–Hetter (1985) exposure control: one K per item, calibrated by simulation before use and stored with the bank
 * (selection then applies K as per-exam item eligibility, see exposure.ts).
 */
import type { ItemBankSnapshot } from './bank-snapshot.js';
import { isIneligible, type SelectionTrace } from './candidate-ranking.js';
import type { ExamConfig } from './exam-config.js';
import { blockedEnemyGroups, stepWithEligibility, type ExamHistoryEntry } from './exam.js';
import { MAX_CATEGORIES, MODEL_4PL, probability } from './model.js';
import { categoryProbabilities, itemInformation } from './polytomous.js';
import { MAX_SEED, createRng, stepSeed, type RandomSource } from './rng.js';

export interface SympsonHetterOptions {
  /** Exposure rate r no item should exceed, in (0, 1]. */
  targetRate: number;
  /** Simulated candidates per iteration. */
  simulees: number;
  /** Number of the last iteration to run (a resumed run keeps the same value). */
  maxIterations: number;
  /** Converged once the largest administration rate is ≤ targetRate + tolerance. Default 0.01. */
  tolerance?: number;
  /** Seed (uint32) of the simulation: iteration n's candidates depend only on (seed, n). */
  seed: number;
  /** K to start from, one per item in (0, 1]; default 1 everywhere. With `firstIteration`, resumes a run. */
  initialK?: ArrayLike<number>;
  /** Number of the first iteration to run. Default 1. */
  firstIteration?: number;
}

export interface SympsonHetterProgress {
  iteration: number;
  /** Candidates simulated so far in this iteration. */
  simulated: number;
  simulees: number;
  /** Set when an iteration ends: the K the next iteration would start from (or the final K), a copy. */
  k?: Float64Array;
  /** Set when an iteration ends: the largest administration rate in it. */
  maxExposure?: number;
  /** Set when an iteration ends: maxExposure ≤ targetRate + tolerance. */
  converged?: boolean;
}

export interface SympsonHetterResult {
  /** Final K per item, each in (0, 1]: the K that converged, or else the update after the last iteration. */
  k: Float64Array;
  /** Number of the last iteration run. */
  iterations: number;
  /** Largest administration rate in the last iteration. */
  maxExposure: number;
  converged: boolean;
}

export const DEFAULT_SYMPSON_HETTER_TOLERANCE = 0.01;
/** Candidates between two progress reports, so that the service can run a calibration in slices. */
export const SYMPSON_HETTER_PROGRESS_EVERY = 25;
/** Offsets a candidate's seed for its answers, keeping them apart from the selection's randomness. */
const ANSWER_STREAM = 0x5bd1e995;

/** Selections and administrations of one iteration, and what the current candidate's exam has considered. */
interface Tally {
  selections: Uint32Array;
  administrations: Uint32Array;
  /** 1 for items already considered in this exam: each is selected at most once per exam. */
  considered: Uint8Array;
  consideredItems: number[];
}

/**
 * Sympson–Hetter calibration (Sympson & Hetter 1985), the classical iterative simulation. Each iteration runs
 * `simulees` candidates, true θ ~ the config's prior, through the exam loop of `nextStep` under the current K (same
 * estimator, stopping rules, content balancing and randomesque; answers drawn from the model). At each selection the
 * ranked candidates are walked from the pick's slot: each one considered counts as selected, and is administered
 * when `exposureDraw(candidateSeed, i) < K_i`, else the next is considered; the draw is fixed per exam, so an item
 * rejected once stays out of that exam. Then P(S_i) = selections / simulees and K_i = 1 if P(S_i) ≤ targetRate,
 * else targetRate / P(S_i), so that P(A_i) = K_i · P(S_i) ≤ targetRate. Pretest items (given at the config's pretest
 * positions, never selected) are not counted: their K stays as it starts, and their rate does not enter maxExposure.
 *
 * Yields progress every SYMPSON_HETTER_PROGRESS_EVERY candidates and, with K, at the end of each iteration; stops
 * once the largest administration rate is ≤ targetRate + tolerance, or after iteration `maxIterations`. The
 * config's own exposure settings are ignored: the simulated exams use K.
 */
export function* sympsonHetterCalibration(
  bank: ItemBankSnapshot,
  config: ExamConfig,
  options: SympsonHetterOptions,
): Generator<SympsonHetterProgress, SympsonHetterResult> {
  const { targetRate, simulees, maxIterations, seed } = options;
  const tolerance = options.tolerance ?? DEFAULT_SYMPSON_HETTER_TOLERANCE;
  const firstIteration = options.firstIteration ?? 1;
  if (!(targetRate > 0 && targetRate <= 1)) throw new RangeError(`targetRate must be in (0, 1], got ${targetRate}`);
  if (!Number.isInteger(simulees) || simulees < 1) throw new RangeError(`simulees must be a positive integer, got ${simulees}`);
  if (!Number.isInteger(maxIterations) || maxIterations < 1) {
    throw new RangeError(`maxIterations must be a positive integer, got ${maxIterations}`);
  }
  if (!(tolerance >= 0 && Number.isFinite(tolerance))) throw new RangeError(`tolerance must be a finite number ≥ 0, got ${tolerance}`);
  if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) throw new RangeError(`seed must be a 32-bit unsigned integer, got ${seed}`);
  if (!Number.isInteger(firstIteration) || firstIteration < 1 || firstIteration > maxIterations) {
    throw new RangeError(`firstIteration must be an integer in [1, maxIterations], got ${firstIteration}`);
  }
  const k = new Float64Array(bank.size).fill(1);
  if (options.initialK !== undefined) {
    const { initialK } = options;
    if (initialK.length !== bank.size) throw new RangeError(`initialK has length ${initialK.length}, expected ${bank.size}`);
    for (let i = 0; i < bank.size; i++) {
      if (!(initialK[i] > 0 && initialK[i] <= 1)) throw new RangeError(`initialK[${i}] must be in (0, 1], got ${initialK[i]}`);
      k[i] = initialK[i];
    }
  }

  const tally: Tally = {
    selections: new Uint32Array(bank.size),
    administrations: new Uint32Array(bank.size),
    considered: new Uint8Array(bank.size),
    consideredItems: [],
  };
  for (let iteration = firstIteration; ; iteration++) {
    tally.selections.fill(0);
    tally.administrations.fill(0);
    const random = createRng(stepSeed(seed, iteration));
    for (let simulated = 1; simulated <= simulees; simulated++) {
      const theta = config.prior.mean + config.prior.sd * standardNormal(random);
      const candidateSeed = Math.floor(random() * (MAX_SEED + 1));
      simulateExam(bank, config, k, theta, candidateSeed, tally);
      if (simulated % SYMPSON_HETTER_PROGRESS_EVERY === 0 && simulated < simulees) yield { iteration, simulated, simulees };
    }

    let mostAdministered = 0;
    for (let i = 0; i < bank.size; i++) mostAdministered = Math.max(mostAdministered, tally.administrations[i]);
    const maxExposure = mostAdministered / simulees;
    const converged = maxExposure <= targetRate + tolerance;
    // K that met the target are kept as tested; otherwise this iteration's selections give the next K.
    if (!converged) {
      for (let i = 0; i < bank.size; i++) {
        const selected = tally.selections[i] / simulees;
        k[i] = selected <= targetRate ? 1 : targetRate / selected;
      }
    }
    yield { iteration, simulated: simulees, simulees, k: k.slice(), maxExposure, converged };
    if (converged || iteration >= maxIterations) return { k, iterations: iteration, maxExposure, converged };
  }
}

/** One simulated exam under K, counted into `tally`. */
function simulateExam(bank: ItemBankSnapshot, config: ExamConfig, k: Float64Array, theta: number, seed: number, tally: Tally): void {
  const scalingConstant = config.scalingConstant ?? bank.scalingConstant;
  const answers = createRng(seed ^ ANSWER_STREAM);
  const history: ExamHistoryEntry[] = [];
  const trace: SelectionTrace = { area: -1, eligibilityApplied: false, aboveInformation: Infinity, aboveIndex: -1, theta: 0 };
  for (;;) {
    const step = stepWithEligibility(config, bank, history, seed, k, [], trace);
    if (step.nextItemIndex === null) break;
    const item = step.nextItemIndex;
    // Pretest items are given at their positions whatever K says: they take no part in the tally (their rate,
    // set by the pretest design, would otherwise keep the calibration from converging).
    if (bank.pretest[item] === 0) {
      // trace.theta: where selection evaluated information (θ̂, or a cut score under target 'cut').
      if (trace.eligibilityApplied) countPassedOver(bank, k, seed, trace.theta, scalingConstant, item, trace, tally, blockedEnemyGroups(bank, history));
      consider(item, tally);
      tally.administrations[item]++;
    }
    history.push({ itemIndex: item, score: drawScore(bank, item, theta, scalingConstant, answers) });
  }
  for (const item of tally.consideredItems) tally.considered[item] = 0;
  tally.consideredItems.length = 0;
}

/**
 * The items considered and rejected before `pick`: ineligible candidates (same area filter, not yet considered in
 * this exam, neither pretest items nor enemies of an administered item) ranked between the pick and the candidate
 * just above it, in selection's order (information descending, lower index first). Each would have been picked had
 * it been eligible.
 */
function countPassedOver(
  bank: ItemBankSnapshot,
  k: Float64Array,
  seed: number,
  theta: number,
  scalingConstant: number,
  pick: number,
  trace: SelectionTrace,
  tally: Tally,
  blockedGroups: ReadonlySet<number>,
): void {
  // itemInformation is bit for bit what selection ranked by (4PL and polytomous alike).
  const pickInformation = itemInformation(bank, pick, theta, scalingConstant);
  const { aboveInformation, aboveIndex } = trace;
  for (let i = 0; i < bank.size; i++) {
    if (tally.considered[i] === 1 || bank.enabled[i] === 0 || !isIneligible(k, seed, i)) continue;
    if (bank.pretest[i] === 1 || (blockedGroups.size > 0 && blockedGroups.has(bank.enemyGroup[i]))) continue;
    if (trace.area >= 0 && bank.area[i] !== trace.area) continue;
    const info = itemInformation(bank, i, theta, scalingConstant);
    const belowAbove = info < aboveInformation || (info === aboveInformation && i > aboveIndex);
    const abovePick = info > pickInformation || (info === pickInformation && i < pick);
    if (belowAbove && abovePick) consider(i, tally);
  }
}

function consider(item: number, tally: Tally): void {
  tally.considered[item] = 1;
  tally.consideredItems.push(item);
  tally.selections[item]++;
}

const drawProbabilities = new Float64Array(MAX_CATEGORIES);

/**
 * A simulated candidate's score on item i at true θ: one uniform draw u; a 4PL item is correct when u < P(θ), a
 * polytomous item scores the first x whose cumulative probability exceeds u.
 */
function drawScore(bank: ItemBankSnapshot, i: number, theta: number, scalingConstant: number, random: RandomSource): number {
  const u = random();
  if (bank.model[i] === MODEL_4PL) {
    return u < probability(theta, { a: bank.a[i], b: bank.b[i], c: bank.c[i], d: bank.d[i] }, scalingConstant) ? 1 : 0;
  }
  const categories = bank.categories[i];
  categoryProbabilities(bank, i, theta, drawProbabilities, scalingConstant);
  let cumulative = 0;
  for (let x = 0; x < categories - 1; x++) {
    cumulative += drawProbabilities[x];
    if (u < cumulative) return x;
  }
  return categories - 1;
}

/** Box–Muller. */
function standardNormal(random: RandomSource): number {
  const u = 1 - random(); // (0, 1]: the log stays finite
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}
