/**
 * Monte-Carlo check of the adaptive engine (npm run simulate).
 *
 *   npx tsx scripts/simulate.ts [--n 1000] [--seed 12345]
 *
 * Simulates candidates with true θ ~ N(0, 1) through fixed-length (20 items) and SE-terminated
 * (SE ≤ 0.3, max 40) CATs on a generated 2PL bank of 500 items, for EAP and MLE with randomesque
 * k = 1 and k = 5, all through the service's entry point `nextStep`; and the SE-terminated EAP design on a
 * 500-item GRM bank (4 score categories). Then classification testing at one cut score (θ = 0.5, confidence 0.95,
 * 5 to 40 items, no SE rule) by the CI and SPRT (δ 0.2) rules, selecting at θ̂ or at the cut: the share classified
 * on the side of the true θ, the mean length and the share stopped by CLASSIFIED. Then what exposure control costs:
 * EAP, 20 items, with no control, randomesque 5, item eligibility (maxExposure 0.25, with fresh and
 * with stale counts) and Sympson–Hetter (K calibrated on the same bank). Everything is seeded, so the
 * output is reproducible. Exits 1 when EAP / 20 items is biased (|bias| ≥ 0.05) or its RMSE is not
 * within 15 % of the mean reported SE.
 */
import {
  categoryProbabilities,
  createBankSnapshot,
  createRng,
  eligibilityProbabilities,
  markEligible,
  nextStep,
  resolveExamConfig,
  sympsonHetterCalibration,
  testOverlapRate,
  type ExamConfig,
  type ExamConfigInput,
  type ExamHistoryEntry,
  type ExamStep,
  type ItemBankSnapshot,
  type NextStepOptions,
  type RandomSource,
} from '../src/irt/index.js';

const BANK_SIZE = 500;
const FIXED_LENGTH = 20;
const SE_TARGET = 0.3;
const SE_MAX_ITEMS = 40;
const MAX_ABS_BIAS = 0.05;
const MAX_RMSE_SE_GAP = 0.15;
const EXPOSURE_TARGET = 0.25;
/** Counts seen this many exams late: two instances sharing their counts every second at a few dozen exams/s. */
const STALE_EXAMS = 20;
/** The calibration's maximum rate stops improving after ~6 iterations here (see docs/exposure-control.md). */
const CALIBRATION_MAX_ITERATIONS = 15;

function readFlag(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const inline = process.argv.find((arg) => arg.startsWith(`--${name}=`));
  const raw = inline ? inline.split('=')[1] : index >= 0 ? process.argv[index + 1] : undefined;
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer, got ${raw}`);
  return value;
}

function normal(random: RandomSource): number {
  const u = 1 - random(); // (0, 1]: log is finite
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** 2PL bank: a ~ lognormal(0, 0.3), b ~ N(0, 1). */
function generateBank(random: RandomSource): ItemBankSnapshot {
  return createBankSnapshot(Array.from({ length: BANK_SIZE }, () => ({ a: Math.exp(0.3 * normal(random)), b: normal(random) })));
}

/** GRM bank, 4 score categories: a ~ lognormal(0, 0.3), thresholds b + (three sorted N(0, 0.7) draws), b ~ N(0, 1). */
function generateGrmBank(random: RandomSource): ItemBankSnapshot {
  return createBankSnapshot(
    Array.from({ length: BANK_SIZE }, () => {
      const a = Math.exp(0.3 * normal(random));
      const b = normal(random);
      const thresholds = [0, 1, 2].map(() => b + 0.7 * normal(random)).sort((x, y) => x - y);
      return { model: 'GRM' as const, a, thresholds };
    }),
  );
}

interface Design {
  name: string;
  config: ExamConfigInput;
}

interface Row {
  design: string;
  estimator: string;
  k: number;
  bias: number;
  rmse: number;
  meanSe: number;
  meanLength: number;
  maxExposure: number;
}

const candidates = readFlag('n', 1000);
const seed = readFlag('seed', 12345);
const bankRandom = createRng(seed);
const bank = generateBank(bankRandom);

// Same candidates (true θ and per-candidate seeds) for every design, so designs are comparable.
const people = (() => {
  const random = createRng(seed ^ 0x9e3779b9);
  return Array.from({ length: candidates }, () => ({ theta: normal(random), examSeed: Math.floor(random() * 2 ** 32) >>> 0 }));
})();

type Person = (typeof people)[number];

/** One complete exam through `nextStep`: its final step and the items administered. */
function runExam(config: ExamConfig, examBank: ItemBankSnapshot, person: Person, options: NextStepOptions = {}): { last: ExamStep; items: number[] } {
  // Responses use their own stream so they do not depend on the engine's selection randomness.
  const answerRandom = createRng(person.examSeed ^ 0x85ebca6b);
  const history: ExamHistoryEntry[] = [];
  for (;;) {
    const step = nextStep(config, examBank, history, person.examSeed, options);
    if (step.done || step.nextItemIndex === null) return { last: step, items: history.map((entry) => entry.itemIndex) };
    const i = step.nextItemIndex;
    history.push({ itemIndex: i, score: drawScore(examBank, i, person.theta, answerRandom) });
  }
}

const drawnProbabilities = new Float64Array(10);

/** A simulated answer: 2PL items correct with probability P(θ), polytomous items by their category probabilities. */
function drawScore(examBank: ItemBankSnapshot, i: number, theta: number, random: RandomSource): number {
  if (examBank.modelOf(i) === '4PL') {
    const p = 1 / (1 + Math.exp(-examBank.a[i] * (theta - examBank.b[i])));
    return random() < p ? 1 : 0;
  }
  const probabilities = categoryProbabilities(examBank, i, theta, drawnProbabilities);
  let u = random();
  let score = 0;
  while (score < examBank.categoriesOf(i) - 1 && u >= probabilities[score]) u -= probabilities[score++];
  return score;
}

function simulate(design: Design, estimator: 'EAP' | 'MLE', k: number, examBank: ItemBankSnapshot = bank): Row {
  const config = resolveExamConfig({ ...design.config, estimator, selection: { randomesque: k } });
  const exposureCounts = new Uint32Array(examBank.size);
  let sumError = 0;
  let sumSquaredError = 0;
  let sumSe = 0;
  let sumLength = 0;
  for (const person of people) {
    const { last, items } = runExam(config, examBank, person);
    sumError += last.theta - person.theta;
    sumSquaredError += (last.theta - person.theta) ** 2;
    sumSe += last.se;
    sumLength += last.answered;
    for (const i of items) exposureCounts[i]++;
  }
  let maxCount = 0;
  for (const count of exposureCounts) maxCount = Math.max(maxCount, count);
  return {
    design: design.name,
    estimator,
    k,
    bias: sumError / candidates,
    rmse: Math.sqrt(sumSquaredError / candidates),
    meanSe: sumSe / candidates,
    meanLength: sumLength / candidates,
    maxExposure: maxCount / candidates,
  };
}

const designs: Design[] = [
  { name: `fixed ${FIXED_LENGTH}`, config: { minItems: FIXED_LENGTH, maxItems: FIXED_LENGTH, seThreshold: 0 } },
  { name: `SE≤${SE_TARGET} (max ${SE_MAX_ITEMS})`, config: { minItems: 1, maxItems: SE_MAX_ITEMS, seThreshold: SE_TARGET } },
];

const started = process.hrtime.bigint();
console.log(`Simulating ${candidates} candidates (θ ~ N(0,1)), 2PL bank of ${BANK_SIZE} items, seed ${seed}\n`);
const header = ['design', 'estimator', 'k', 'bias', 'RMSE', 'mean SE', 'mean length', 'max exposure'];
const widths = [20, 9, 3, 8, 7, 8, 11, 12];
const line = (cells: string[]) => cells.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));

const rows: Row[] = [];
for (const design of designs) {
  for (const estimator of ['EAP', 'MLE'] as const) {
    for (const k of [1, 5]) {
      const row = simulate(design, estimator, k);
      rows.push(row);
      console.log(
        line([
          row.design,
          row.estimator,
          String(row.k),
          row.bias.toFixed(4),
          row.rmse.toFixed(4),
          row.meanSe.toFixed(4),
          row.meanLength.toFixed(2),
          row.maxExposure.toFixed(3),
        ]),
      );
    }
  }
}

// --- Polytomous items: the SE-terminated design on a GRM bank (4 categories), EAP, same candidates ------------

const grmBank = generateGrmBank(createRng((seed ^ 0x47524d) >>> 0));
const grmRow = simulate(designs[1], 'EAP', 1, grmBank);
console.log(`\nGRM bank of ${BANK_SIZE} items (4 score categories), same candidates\n`);
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
console.log(
  line([
    `${grmRow.design} GRM`,
    grmRow.estimator,
    String(grmRow.k),
    grmRow.bias.toFixed(4),
    grmRow.rmse.toFixed(4),
    grmRow.meanSe.toFixed(4),
    grmRow.meanLength.toFixed(2),
    grmRow.maxExposure.toFixed(3),
  ]),
);

// --- Classification at one cut score: EAP, 2PL bank, the same candidates ---------------------------------

const CUT_SCORE = 0.5;
const CLASSIFICATION_CONFIDENCE = 0.95;
const CLASSIFICATION_MIN_ITEMS = 5;
const SPRT_INDIFFERENCE = 0.2;

interface ClassificationRow {
  method: 'CI' | 'SPRT';
  target: 'theta' | 'cut';
  accuracy: number;
  meanLength: number;
  classified: number;
}

/** All candidates through one classification design; a candidate is classified correctly when the band of the final θ̂ is that of the true θ. */
function simulateClassification(method: 'CI' | 'SPRT', target: 'theta' | 'cut'): ClassificationRow {
  const config = resolveExamConfig({
    estimator: 'EAP',
    minItems: CLASSIFICATION_MIN_ITEMS,
    maxItems: SE_MAX_ITEMS,
    seThreshold: 0,
    classification: { cutScores: [CUT_SCORE], confidence: CLASSIFICATION_CONFIDENCE, method, indifference: SPRT_INDIFFERENCE },
    selection: { target },
  });
  let correct = 0;
  let length = 0;
  let classified = 0;
  for (const person of people) {
    const { last } = runExam(config, bank, person);
    if (last.classification?.band === (person.theta >= CUT_SCORE ? 1 : 0)) correct++;
    length += last.scored;
    if (last.stopReason === 'CLASSIFIED') classified++;
  }
  return { method, target, accuracy: correct / candidates, meanLength: length / candidates, classified: classified / candidates };
}

console.log(
  `\nClassification at cut ${CUT_SCORE}: EAP, confidence ${CLASSIFICATION_CONFIDENCE}, ${CLASSIFICATION_MIN_ITEMS} to ${SE_MAX_ITEMS} items, ` +
    `2PL bank, same ${candidates} candidates\n`,
);
const classificationHeader = ['rule', 'target', 'accuracy', 'mean length', 'CLASSIFIED'];
const classificationWidths = [14, 6, 8, 11, 10];
const classificationLine = (cells: string[]) =>
  cells.map((cell, i) => (i < 2 ? cell.padEnd(classificationWidths[i]) : cell.padStart(classificationWidths[i]))).join('  ');
console.log(classificationLine(classificationHeader));
console.log(classificationWidths.map((w) => '-'.repeat(w)).join('  '));
for (const method of ['CI', 'SPRT'] as const) {
  for (const target of ['theta', 'cut'] as const) {
    const row = simulateClassification(method, target);
    console.log(
      classificationLine([
        method === 'SPRT' ? `SPRT (δ ${SPRT_INDIFFERENCE})` : 'CI',
        row.target,
        row.accuracy.toFixed(3),
        row.meanLength.toFixed(2),
        row.classified.toFixed(3),
      ]),
    );
  }
}

// --- What exposure control costs: EAP, fixed length, one bank, the same candidates -----------------------

interface ExposureRow {
  condition: string;
  maxRate: number;
  meanRate: number;
  overlap: number;
  bias: number;
  rmse: number;
  neverUsed: number;
}

/** Exposure counts as the service keeps them (an ExposureCounts), seen `lag` exams late. */
class ExposureCounter {
  exams = 0;
  readonly administrations = new Float64Array(BANK_SIZE);
  readonly eligible = new Float64Array(BANK_SIZE);
  private readonly pending: { items: number[]; eligible: Uint8Array }[] = [];

  constructor(private readonly lag: number) {}

  /** Counts one finished exam; it becomes visible `lag` exams later. */
  add(items: number[], eligible: Uint8Array): void {
    this.pending.push({ items, eligible });
    if (this.pending.length <= this.lag) return;
    const visible = this.pending[0];
    this.pending.shift();
    this.exams++;
    for (const i of visible.items) this.administrations[i]++;
    for (let i = 0; i < BANK_SIZE; i++) this.eligible[i] += visible.eligible[i];
  }
}

/**
 * All candidates through one condition. With `countsLag`, item eligibility from the counts of the exams before
 * (computed at each exam start, as the service does), seen that many exams late.
 */
function simulateExposure(condition: string, examBank: ItemBankSnapshot, selection: ExamConfigInput['selection'], countsLag?: number): ExposureRow {
  const config = resolveExamConfig({ estimator: 'EAP', minItems: FIXED_LENGTH, maxItems: FIXED_LENGTH, seThreshold: 0, selection });
  const counter = countsLag === undefined ? null : new ExposureCounter(countsLag);
  const administrations = new Uint32Array(examBank.size);
  const probabilities = new Float64Array(examBank.size);
  let sumError = 0;
  let sumSquaredError = 0;
  for (const person of people) {
    const eligibility = counter === null ? null : eligibilityProbabilities(counter, EXPOSURE_TARGET, probabilities);
    const { last, items } = runExam(config, examBank, person, { eligibility });
    sumError += last.theta - person.theta;
    sumSquaredError += (last.theta - person.theta) ** 2;
    for (const i of items) administrations[i]++;
    if (counter !== null) counter.add(items, markEligible(probabilities, person.examSeed, new Uint8Array(examBank.size)));
  }
  const rates = Array.from(administrations, (count) => count / candidates);
  return {
    condition,
    maxRate: Math.max(...rates),
    meanRate: rates.reduce((sum, rate) => sum + rate, 0) / rates.length,
    overlap: testOverlapRate(rates),
    bias: sumError / candidates,
    rmse: Math.sqrt(sumSquaredError / candidates),
    neverUsed: rates.filter((rate) => rate === 0).length,
  };
}

/** Sympson–Hetter K for this bank and design, from candidates of another seed than the evaluation's. */
function calibrateSympsonHetter(): { bank: ItemBankSnapshot; summary: string } {
  const config = resolveExamConfig({ estimator: 'EAP', minItems: FIXED_LENGTH, maxItems: FIXED_LENGTH, seThreshold: 0 });
  const calibrationSeed = (seed + 1) >>> 0;
  const calibration = sympsonHetterCalibration(bank, config, {
    targetRate: EXPOSURE_TARGET,
    simulees: candidates,
    maxIterations: CALIBRATION_MAX_ITERATIONS,
    seed: calibrationSeed,
  });
  let step = calibration.next();
  while (!step.done) step = calibration.next();
  const { k, iterations, maxExposure, converged } = step.value;
  const items = Array.from({ length: bank.size }, (_, i) => ({ a: bank.a[i], b: bank.b[i], exposureControl: k[i] }));
  const controlled = k.filter((value) => value < 1).length;
  return {
    bank: createBankSnapshot(items),
    summary:
      `Sympson–Hetter K: ${converged ? 'converged' : 'not converged'} after ${iterations} iterations of ${candidates} ` +
      `candidates (seed ${calibrationSeed}), max rate ${maxExposure.toFixed(3)} in the last; ${controlled} items with K < 1`,
  };
}

console.log(`\nWhat exposure control costs: EAP, fixed ${FIXED_LENGTH} items, target rate ${EXPOSURE_TARGET}, same ${candidates} candidates\n`);
const sympsonHetter = calibrateSympsonHetter();
const exposureRows = [
  simulateExposure('no control (randomesque 1)', bank, { randomesque: 1 }),
  simulateExposure('randomesque 5', bank, { randomesque: 5 }),
  simulateExposure(`maxExposure ${EXPOSURE_TARGET}`, bank, { maxExposure: EXPOSURE_TARGET }, 0),
  simulateExposure(`maxExposure ${EXPOSURE_TARGET}, counts ${STALE_EXAMS} exams late`, bank, { maxExposure: EXPOSURE_TARGET }, STALE_EXAMS),
  simulateExposure(`Sympson–Hetter ${EXPOSURE_TARGET}`, sympsonHetter.bank, { sympsonHetter: true }),
];
const exposureHeader = ['condition', 'max rate', 'mean rate', 'overlap', 'bias', 'RMSE', 'never used'];
const exposureWidths = [38, 8, 9, 7, 8, 7, 10];
const exposureLine = (cells: string[]) =>
  cells.map((cell, i) => (i === 0 ? cell.padEnd(exposureWidths[i]) : cell.padStart(exposureWidths[i]))).join('  ');
console.log(exposureLine(exposureHeader));
console.log(exposureWidths.map((w) => '-'.repeat(w)).join('  '));
for (const row of exposureRows) {
  console.log(
    exposureLine([
      row.condition,
      row.maxRate.toFixed(3),
      row.meanRate.toFixed(3),
      row.overlap.toFixed(3),
      row.bias.toFixed(4),
      row.rmse.toFixed(4),
      String(row.neverUsed),
    ]),
  );
}
console.log(`\n${sympsonHetter.summary}`);

const seconds = Number(process.hrtime.bigint() - started) / 1e9;
console.log(`\n(${seconds.toFixed(1)} s)`);

// Acceptance check: EAP, fixed 20 items, both k.
let ok = true;
for (const row of rows.filter((r) => r.design === designs[0].name && r.estimator === 'EAP')) {
  const gap = Math.abs(row.rmse - row.meanSe) / row.meanSe;
  const pass = Math.abs(row.bias) < MAX_ABS_BIAS && gap <= MAX_RMSE_SE_GAP;
  ok &&= pass;
  console.log(
    `${pass ? 'PASS' : 'FAIL'}: EAP fixed ${FIXED_LENGTH}, k=${row.k}: |bias| ${Math.abs(row.bias).toFixed(4)} < ${MAX_ABS_BIAS}, ` +
      `|RMSE − mean SE| / mean SE = ${(gap * 100).toFixed(1)} % ≤ ${MAX_RMSE_SE_GAP * 100} %`,
  );
}
if (!ok) process.exit(1);
