/**
 * Classification testing: stop an exam once θ is known to lie on one side of every cut score, instead of once it is
 * known precisely. Two rules, applied to the scored answers once there are at least `minItems` of them:
 *
 * - **CI** (Kingsbury & Weiss 1983; Eggen & Straetmans 2000): stop when, for every cut c, |θ̂ − c| > z·SE with
 *   z = Φ⁻¹((1 + confidence)/2), i.e. c lies outside the two-sided confidence interval of θ̂.
 * - **SPRT** (Wald's sequential probability ratio test, after Reckase 1983 and Eggen 1999): for every cut c,
 *   LLR_c = log L(c + δ) − log L(c − δ) over the scored answers (δ = `indifference`); with α = β = 1 − confidence,
 *   A = log((1 − β)/α), B = log(β/(1 − α)). Cut c is decided "above" once LLR_c ≥ A and "below" once LLR_c ≤ B;
 *   the exam stops when every cut is decided.
 *
 * The band an exam reports is always `classificationOf(config, θ̂)`: the number of cut scores ≤ θ̂ (under SPRT, θ̂
 * may in rare cases sit on the other side of a cut than its decision, when the prior pulls θ̂ across it).
 */
import type { ItemBankSnapshot } from './bank-snapshot.js';
import type { ItemParameterArrays } from './model.js';
import { emptyTerms, resetTerms } from './likelihood-terms.js';
import { accumulateItemTerms } from './polytomous.js';

export type ClassificationMethod = 'CI' | 'SPRT';
export const CLASSIFICATION_METHODS: readonly ClassificationMethod[] = ['CI', 'SPRT'];

/** Classification settings of an exam (`ExamConfig.classification`). */
export interface ClassificationConfig {
  /** 1 to 10 cut scores on the θ scale, strictly increasing, within thetaRange. */
  cutScores: number[];
  /** In [0.5, 0.999]: CI's two-sided confidence level; SPRT's α = β = 1 − confidence. Default 0.95. */
  confidence: number;
  /** Default 'CI'. */
  method: ClassificationMethod;
  /** SPRT's half-width δ of the indifference region around each cut, in (0, 2]. Default 0.2 (unused by CI). */
  indifference: number;
  /** Names of the cutScores.length + 1 bands, lowest first (1 to 100 characters each). */
  labels?: string[];
}

/** What a client may send: everything but the cut scores optional. */
export interface ClassificationInput {
  cutScores: readonly number[];
  confidence?: number;
  method?: ClassificationMethod;
  indifference?: number;
  labels?: readonly string[];
}

export const DEFAULT_CLASSIFICATION: Readonly<Pick<ClassificationConfig, 'confidence' | 'method' | 'indifference'>> = Object.freeze({
  confidence: 0.95,
  method: 'CI',
  indifference: 0.2,
});
export const MAX_CUT_SCORES = 10;
export const MIN_CONFIDENCE = 0.5;
export const MAX_CONFIDENCE = 0.999;
export const MAX_INDIFFERENCE = 2;
export const MAX_LABEL_LENGTH = 100;

/** An exam's classification: band = number of cut scores ≤ θ̂ (0..cutScores.length), and its label if any. */
export interface Classification {
  band: number;
  label: string | null;
}

/** The band of θ (number of cut scores ≤ θ) and its label; null when the config has no classification. */
export function classificationOf(config: { classification?: ClassificationConfig }, theta: number): Classification | null {
  const { classification } = config;
  if (classification === undefined) return null;
  const { cutScores, labels } = classification;
  let band = 0;
  while (band < cutScores.length && cutScores[band] <= theta) band++;
  return { band, label: labels?.[band] ?? null };
}

/** The cut score nearest θ (the lower one when θ lies exactly halfway between two): where `target: 'cut'` selects. */
export function nearestCutScore(cutScores: readonly number[], theta: number): number {
  let nearest = cutScores[0];
  for (let j = 1; j < cutScores.length; j++) {
    if (Math.abs(cutScores[j] - theta) < Math.abs(nearest - theta)) nearest = cutScores[j];
  }
  return nearest;
}

// ---------------------------------------------------------------------------------------------
// Φ⁻¹: Wichura's AS 241 (PPND16, its coefficients rounded to doubles), relative accuracy about 1e-16
// ---------------------------------------------------------------------------------------------

const CENTRAL_NUMERATOR = [
  3.3871328727963665, 133.14166789178438, 1971.5909503065513, 13731.69376550946, 45921.95393154987,
  67265.7709270087, 33430.57558358813, 2509.0809287301227,
];
const CENTRAL_DENOMINATOR = [
  1, 42.31333070160091, 687.1870074920579, 5394.196021424751, 21213.794301586597, 39307.89580009271,
  28729.085735721943, 5226.495278852854,
];
const INTERMEDIATE_NUMERATOR = [
  1.4234371107496835, 4.630337846156546, 5.769497221460691, 3.6478483247632045, 1.2704582524523684,
  0.2417807251774506, 0.022723844989269184, 0.0007745450142783414,
];
const INTERMEDIATE_DENOMINATOR = [
  1, 2.053191626637759, 1.6763848301838038, 0.6897673349851, 0.14810397642748008,
  0.015198666563616457, 0.0005475938084995345, 1.0507500716444169e-9,
];
const TAIL_NUMERATOR = [
  6.657904643501103, 5.463784911164114, 1.7848265399172913, 0.29656057182850487, 0.026532189526576124,
  0.0012426609473880784, 0.000027115555687434876, 2.0103343992922881e-7,
];
const TAIL_DENOMINATOR = [
  1, 0.599832206555888, 0.1369298809227358, 0.014875361290850615, 0.0007868691311456133,
  0.000018463183175100548, 1.421511758316446e-7, 2.0442631033899397e-15,
];

function polynomial(coefficients: readonly number[], x: number): number {
  let value = 0;
  for (let j = coefficients.length - 1; j >= 0; j--) value = value * x + coefficients[j];
  return value;
}

/** Standard normal quantile Φ⁻¹(p) for p in (0, 1) (Wichura 1988, AS 241). RangeError otherwise. */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`p must be in (0, 1), got ${p}`);
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return (q * polynomial(CENTRAL_NUMERATOR, r)) / polynomial(CENTRAL_DENOMINATOR, r);
  }
  let r = Math.sqrt(-Math.log(q < 0 ? p : 1 - p));
  let value: number;
  if (r <= 5) {
    r -= 1.6;
    value = polynomial(INTERMEDIATE_NUMERATOR, r) / polynomial(INTERMEDIATE_DENOMINATOR, r);
  } else {
    r -= 5;
    value = polynomial(TAIL_NUMERATOR, r) / polynomial(TAIL_DENOMINATOR, r);
  }
  return q < 0 ? -value : value;
}

// ---------------------------------------------------------------------------------------------
// The two rules
// ---------------------------------------------------------------------------------------------

/** z of the CI rule: Φ⁻¹((1 + confidence)/2). */
export function confidenceZ(confidence: number): number {
  return normalQuantile((1 + confidence) / 2);
}

/** Wald's bounds for α = β = 1 − confidence: upper A = log((1 − β)/α), lower B = log(β/(1 − α)). */
export function sprtBounds(confidence: number): { upper: number; lower: number } {
  const alpha = 1 - confidence;
  const beta = alpha;
  return { upper: Math.log((1 - beta) / alpha), lower: Math.log(beta / (1 - alpha)) };
}

const likelihoodTerms = emptyTerms();

function logLikelihood(items: ItemParameterArrays, itemIndices: ArrayLike<number>, responses: ArrayLike<number>, theta: number, scalingConstant: number): number {
  resetTerms(likelihoodTerms);
  for (let k = 0; k < itemIndices.length; k++) accumulateItemTerms(items, itemIndices[k], responses[k], theta, scalingConstant, likelihoodTerms);
  return likelihoodTerms.logLikelihood;
}

/**
 * SPRT's log L(cut + δ) − log L(cut − δ) over the answers (`responses[k]` the score of item `itemIndices[k]`, any
 * model; each probability floored at 1e-15 as in estimation), summed in answer order.
 */
export function sprtLogLikelihoodRatio(
  items: ItemParameterArrays,
  itemIndices: ArrayLike<number>,
  responses: ArrayLike<number>,
  cut: number,
  indifference: number,
  scalingConstant: number,
): number {
  return logLikelihood(items, itemIndices, responses, cut + indifference, scalingConstant) - logLikelihood(items, itemIndices, responses, cut - indifference, scalingConstant);
}

/**
 * The decision on each cut score: 1 (θ above it), −1 (below) or 0 (undecided). CI decides from θ̂ and its SE;
 * SPRT from the scored answers (a cut whose LLR reaches A is "above", one that falls to B "below").
 */
export function classificationDecisions(
  classification: ClassificationConfig,
  bank: ItemBankSnapshot,
  estimate: { theta: number; se: number },
  itemIndices: ArrayLike<number>,
  responses: ArrayLike<number>,
  scalingConstant: number,
): number[] {
  const { cutScores } = classification;
  if (classification.method === 'SPRT') {
    const { upper, lower } = sprtBounds(classification.confidence);
    return cutScores.map((cut) => {
      const ratio = sprtLogLikelihoodRatio(bank, itemIndices, responses, cut, classification.indifference, scalingConstant);
      return ratio >= upper ? 1 : ratio <= lower ? -1 : 0;
    });
  }
  const halfWidth = confidenceZ(classification.confidence) * estimate.se;
  return cutScores.map((cut) => (estimate.theta - cut > halfWidth ? 1 : cut - estimate.theta > halfWidth ? -1 : 0));
}

/** True when every cut score is decided; takes what `classificationDecisions` takes. */
export function isClassified(...decisionInputs: Parameters<typeof classificationDecisions>): boolean {
  return classificationDecisions(...decisionInputs).every((decision) => decision !== 0);
}
