/**
 * Pretest (field-test) items: new items administered at a few positions of an exam to collect responses for their
 * calibration. They are never selected adaptively and never scored: θ, SE and stopping ignore their answers.
 */
import { createRng, stepSeed } from './rng.js';

/** Pretest settings of an exam (`ExamConfig.pretest`). */
export interface PretestConfig {
  /** How many pretest items to administer, 1 to 20. */
  count: number;
  /**
   * 1-based positions in the administration sequence (history.length + 1), exactly `count` distinct integers in
   * [1, 1000]. Absent: drawn from the exam's seed (`pretestPositions`).
   */
  positions?: number[];
}

export const MAX_PRETEST_COUNT = 20;
export const MAX_PRETEST_POSITION = 1_000;
/** Drawn positions start here: the first item of an exam is always an adaptive one. */
export const FIRST_DRAWN_PRETEST_POSITION = 2;

// Keep the pretest streams apart from selection's `rngForStep(seed, n)` (and from each other).
const POSITIONS_STREAM = 0x2545f491;
const PICK_STREAM = 0x68e31da4;

/**
 * The positions (1-based, ascending) at which the exam with this seed administers a pretest item; [] without
 * `config.pretest`. Given positions are returned sorted. Otherwise `count` distinct positions are drawn uniformly,
 * with the seed (the same seed always gives the same positions), from [2, max(minItems, 2) + count − 1]: within
 * [2, minItems + count] for any minItems ≥ 1, and early enough that every one of them comes before the exam may stop.
 * The exam cannot stop before minItems scored answers; at a position p of that range at most p − 1 − (pretest positions
 * before p) ≤ minItems − 1 scored answers are in. (Position minItems + count itself would come only with the
 * minItems-th scored answer in, when a stop skips it.) With minItems ≤ 1 the range is [2, count + 1], every position of
 * which is taken, and the exam may stop after its first answer. This holds while pretest items last: a due position
 * without an eligible pretest item left gets an adaptive item, which moves the later positions past scored answers.
 */
export function pretestPositions(config: { pretest?: PretestConfig; minItems: number }, seed: number): number[] {
  const { pretest } = config;
  if (pretest === undefined) return [];
  if (pretest.positions !== undefined) return [...pretest.positions].sort((x, y) => x - y);
  const first = FIRST_DRAWN_PRETEST_POSITION;
  const last = Math.max(config.minItems, 2) + pretest.count - 1;
  const span = last - first + 1; // ≥ count
  // Partial Fisher–Yates over the span, kept sparse (only the swapped slots are stored).
  const random = createRng(stepSeed((seed ^ POSITIONS_STREAM) >>> 0, 0));
  const swapped = new Map<number, number>();
  const positions: number[] = [];
  for (let j = 0; j < pretest.count && j < span; j++) {
    const pick = j + Math.min(span - j - 1, Math.floor(random() * (span - j)));
    const value = swapped.get(pick) ?? pick;
    swapped.set(pick, swapped.get(j) ?? j);
    positions.push(first + value);
  }
  return positions.sort((x, y) => x - y);
}

/** Uniform pick among `candidates` for the administration after `answered` entries: a pure function of (seed, answered). */
export function pickPretestItem(candidates: readonly number[], seed: number, answered: number): number {
  if (candidates.length === 0) return -1;
  const random = createRng(stepSeed((seed ^ PICK_STREAM) >>> 0, answered));
  return candidates[Math.min(candidates.length - 1, Math.floor(random() * candidates.length))];
}
