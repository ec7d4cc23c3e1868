/**
 * Monte-Carlo check of the adaptive engine (npm run simulate).
 *
 *   npx tsx scripts/simulate.ts [--n 1000] [--seed 12345]
 *
 * Simulates candidates with true θ ~ N(0, 1) through fixed-length (20 items) and SE-terminated
 * (SE ≤ 0.3, max 40) CATs on a generated 2PL bank of 500 items, for EAP and MLE with randomesque
 * k = 1 and k = 5, all through the service's entry point `nextStep`. Everything is seeded, so the
 * output is reproducible. Exits 1 when EAP / 20 items is biased (|bias| ≥ 0.05) or its RMSE is not
 * within 15 % of the mean reported SE.
 */
import {
  createBankSnapshot,
  createRng,
  nextStep,
  resolveExamConfig,
  type ExamConfigInput,
  type ExamHistoryEntry,
  type ItemBankSnapshot,
  type RandomSource,
} from '../src/irt/index.js';

const BANK_SIZE = 500;
const FIXED_LENGTH = 20;
const SE_TARGET = 0.3;
const SE_MAX_ITEMS = 40;
const MAX_ABS_BIAS = 0.05;
const MAX_RMSE_SE_GAP = 0.15;

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

function simulate(design: Design, estimator: 'EAP' | 'MLE', k: number): Row {
  const config = resolveExamConfig({ ...design.config, estimator, selection: { randomesque: k } });
  const exposureCounts = new Uint32Array(bank.size);
  let sumError = 0;
  let sumSquaredError = 0;
  let sumSe = 0;
  let sumLength = 0;
  for (const person of people) {
    // Responses use their own stream so they do not depend on the engine's selection randomness.
    const answerRandom = createRng(person.examSeed ^ 0x85ebca6b);
    const history: ExamHistoryEntry[] = [];
    for (;;) {
      const step = nextStep(config, bank, history, person.examSeed);
      if (step.done || step.nextItemIndex === null) {
        sumError += step.theta - person.theta;
        sumSquaredError += (step.theta - person.theta) ** 2;
        sumSe += step.se;
        sumLength += step.answered;
        break;
      }
      const i = step.nextItemIndex;
      exposureCounts[i]++;
      const p = 1 / (1 + Math.exp(-bank.a[i] * (person.theta - bank.b[i])));
      history.push({ itemIndex: i, correct: answerRandom() < p });
    }
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
