/**
 * Four-parameter logistic (4PL) item response model, and what every model shares (model codes, fastExp).
 *
 *   P(θ) = c + (d − c) / (1 + exp(−D·a·(θ − b)))
 *
 * 1PL/2PL/3PL are the special cases c = 0, d = 1 (and a = 1 for Rasch).
 * D is the scaling constant (1 for the logistic metric, 1.702 to approximate the normal ogive).
 * The polytomous models (GRM, GPCM, PCM) are in `polytomous.ts` (their kernels in `grm.ts` and `gpcm.ts`).
 */

export const DEFAULT_SCALING_CONSTANT = 1;

/**
 * Probabilities are kept at least this far from 0 wherever a logarithm is taken.
 * 16 such factors still multiply to 1e-240 (> Number.MIN_VALUE), which the EAP block products rely on.
 */
export const PROBABILITY_FLOOR = 1e-15;

/** exp() overflows past ~709.78; clamping the exponent keeps `e * s` below finite. */
export const MAX_EXPONENT = 700;

// --- fastExp tables --------------------------------------------------------------------------
const EXP_TABLE_SIZE = 64;
/** 2^(j/64) for j = 0..63. */
const EXP_FRACTION_TABLE = new Float64Array(EXP_TABLE_SIZE);
for (let j = 0; j < EXP_TABLE_SIZE; j++) EXP_FRACTION_TABLE[j] = Math.pow(2, j / EXP_TABLE_SIZE);
/** 2^k for k = −1100..1100 (exact powers of two; only −1010..1010 are reached). */
const POW2_OFFSET = 1100;
const POW2_TABLE = new Float64Array(2 * POW2_OFFSET + 1);
for (let k = 0; k < POW2_TABLE.length; k++) POW2_TABLE[k] = Math.pow(2, k - POW2_OFFSET);
const TABLE_OVER_LN2 = EXP_TABLE_SIZE / Math.LN2;
// fdlibm's split of ln 2 (the high part has trailing zero bits, so n·high is exact), scaled by 1/64.
const LN2_HIGH_OVER_TABLE = 6.9314718036912381649e-1 / EXP_TABLE_SIZE;
const LN2_LOW_OVER_TABLE = 1.90821492927058770002e-10 / EXP_TABLE_SIZE;

/**
 * exp(x) for x clamped to [−700, 700], accurate to ~1 ulp (relative error < 5e-16).
 * Why not Math.exp: it is an out-of-line call costing ~11 ns in V8 versus ~4 ns here, and it is
 * the dominant cost of selection and EAP. Being plain IEEE arithmetic (no FMA in JS), it is also
 * bit-for-bit identical on every platform and Node version, which replayed exams rely on.
 * Method: x = (64k + j)·ln2/64 + r with |r| ≤ ln2/128, exp(x) = 2^k · 2^(j/64) · exp(r),
 * exp(r) by a degree-6 Taylor polynomial (truncation error < 1e-17).
 */
export function fastExp(x: number): number {
  if (x > MAX_EXPONENT) x = MAX_EXPONENT;
  else if (x < -MAX_EXPONENT) x = -MAX_EXPONENT;
  const n = Math.floor(x * TABLE_OVER_LN2 + 0.5);
  const r = x - n * LN2_HIGH_OVER_TABLE - n * LN2_LOW_OVER_TABLE;
  const expR = 1 + r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120 + r * (1 / 720))))));
  // n & 63 and n >> 6 split n = 64k + j correctly for negative n too (two's complement).
  return POW2_TABLE[(n >> 6) + POW2_OFFSET] * EXP_FRACTION_TABLE[n & (EXP_TABLE_SIZE - 1)] * expR;
}

/** The item response models, in the order of their codes in `ItemBankSnapshot.model`. */
export const ITEM_MODELS = ['4PL', 'GRM', 'GPCM', 'PCM'] as const;
export type ItemModel = (typeof ITEM_MODELS)[number];

/** Codes of `ITEM_MODELS` (what the `model` column holds). */
export const MODEL_4PL = 0;
export const MODEL_GRM = 1;
export const MODEL_GPCM = 2;
export const MODEL_PCM = 3;

/** A polytomous item has 1 to this many thresholds, i.e. 2 to MAX_THRESHOLDS + 1 score categories. */
export const MAX_THRESHOLDS = 9;
export const MAX_CATEGORIES = MAX_THRESHOLDS + 1;

/**
 * Read-only view of item parameters: a bank snapshot or any parallel arrays satisfy it.
 * Without the model columns every item is a 4PL item (a, b, c, d). With them, item i of model GRM, GPCM or PCM has
 * discrimination `a[i]` (1 for PCM) and `categories[i] − 1` thresholds at `thresholds[thresholdStart[i] + j]`;
 * a 4PL item has 2 categories and no thresholds (its location is `b[i]`).
 */
export interface ItemParameterArrays {
  readonly a: ArrayLike<number>;
  readonly b: ArrayLike<number>;
  readonly c: ArrayLike<number>;
  readonly d: ArrayLike<number>;
  /** Model code per item (index into ITEM_MODELS). */
  readonly model?: ArrayLike<number>;
  /** Number of score categories per item (2 for 4PL). */
  readonly categories?: ArrayLike<number>;
  /** Offset of item i's first threshold in `thresholds`. */
  readonly thresholdStart?: ArrayLike<number>;
  readonly thresholds?: ArrayLike<number>;
  /** True when some item is not 4PL; false or absent lets the 4PL-only fast paths run. */
  readonly isPolytomous?: boolean;
}

/** Parameters of a single item; c defaults to 0 and d to 1. */
export interface ItemParameters {
  a: number;
  b: number;
  c?: number;
  d?: number;
}

/** exp(−D·a·(θ − b)), clamped so it never overflows. */
export function logisticExponent(theta: number, a: number, b: number, scalingConstant: number): number {
  return fastExp(-scalingConstant * a * (theta - b));
}

/** Probability of a correct answer under the 4PL model. */
export function probability(theta: number, { a, b, c = 0, d = 1 }: ItemParameters, scalingConstant = DEFAULT_SCALING_CONSTANT): number {
  return c + (d - c) / (1 + logisticExponent(theta, a, b, scalingConstant));
}

/**
 * Fisher information of one item at θ, full 4PL formula:
 *   I(θ) = (D·a)² (P − c)² (d − P)² / ((d − c)² P (1 − P))
 * Written through the logistic core s = 1/(1+e) so that P − c = (d − c)s and
 * d − P = (d − c)(1 − s) never suffer cancellation (1 − s is computed as e·s).
 */
export function information(theta: number, { a, b, c = 0, d = 1 }: ItemParameters, scalingConstant = DEFAULT_SCALING_CONSTANT): number {
  const e = logisticExponent(theta, a, b, scalingConstant);
  const s = 1 / (1 + e);
  const sComplement = e * s;
  const range = d - c;
  const p = c + range * s;
  const q = 1 - d + range * sComplement;
  const pq = p * q;
  if (pq <= 0) return 0; // limit of the formula when P reaches exactly 0 or 1
  const slope = scalingConstant * a * range * s * sComplement; // dP/dθ
  return (slope * slope) / pq;
}

/**
 * `information` at z = D·a·(θ − b), slope = D·a, with the same operations (selection has z already, from its
 * pruning bound). Selection's 4PL loop and `itemInformation` take this kernel, so they agree bit for bit.
 */
export function fourPlInformation(slope: number, z: number, c: number, d: number): number {
  const e = fastExp(-z);
  const s = 1 / (1 + e);
  const sComplement = e * s;
  const range = d - c;
  const pq = (c + range * s) * (1 - d + range * sComplement);
  const derivative = slope * range * s * sComplement;
  return pq > 0 ? (derivative * derivative) / pq : 0;
}
