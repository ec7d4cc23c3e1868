/**
 * Generalized partial credit model (GPCM, Muraki; PCM = GPCM with a = 1) kernels; slope = D·a, the item's thresholds
 * are thresholds[start .. start + k − 1]. Probabilities by a max-shifted softmax; see polytomous.ts.
 */
import type { LikelihoodTerms } from './likelihood-terms.js';
import { MAX_CATEGORIES, fastExp } from './model.js';

// GPCM scratch (single-threaded; none of these functions re-enters another).
const gpcmExponent = new Float64Array(MAX_CATEGORIES);
const gpcmWeight = new Float64Array(MAX_CATEGORIES);

/** Fills gpcmExponent[0..k] with Σ_{j≤x} slope(θ − t_j) and gpcmWeight with their max-shifted exps; returns Σ weights. */
function gpcmSoftmax(slope: number, thresholds: ArrayLike<number>, start: number, k: number, theta: number): number {
  let z = 0;
  let zMax = 0;
  gpcmExponent[0] = 0;
  for (let r = 1; r <= k; r++) {
    z += slope * (theta - thresholds[start + r - 1]);
    gpcmExponent[r] = z;
    if (z > zMax) zMax = z;
  }
  let sum = 0;
  for (let r = 0; r <= k; r++) {
    const shifted = gpcmExponent[r] - zMax;
    gpcmExponent[r] = shifted;
    const w = fastExp(shifted);
    gpcmWeight[r] = w;
    sum += w;
  }
  return sum;
}

export function gpcmTerms(slope: number, thresholds: ArrayLike<number>, start: number, k: number, x: number, theta: number, out: LikelihoodTerms): void {
  const sum = gpcmSoftmax(slope, thresholds, start, k, theta);
  let weightedScore = 0;
  for (let r = 1; r <= k; r++) weightedScore += r * gpcmWeight[r];
  const mean = weightedScore / sum;
  let secondMoment = 0;
  let thirdMoment = 0;
  for (let r = 0; r <= k; r++) {
    const deviation = r - mean;
    const term = gpcmWeight[r] * deviation * deviation;
    secondMoment += term;
    thirdMoment += term * deviation;
  }
  const slopeSquared = slope * slope;
  out.logLikelihood += gpcmExponent[x] - Math.log(sum);
  out.score += slope * (x - mean);
  out.information += (slopeSquared * secondMoment) / sum;
  out.weight += (slopeSquared * slope * thirdMoment) / sum;
}

export function gpcmInformation(slope: number, thresholds: ArrayLike<number>, start: number, k: number, theta: number): number {
  const sum = gpcmSoftmax(slope, thresholds, start, k, theta);
  let weightedScore = 0;
  for (let r = 1; r <= k; r++) weightedScore += r * gpcmWeight[r];
  const mean = weightedScore / sum;
  let secondMoment = 0;
  for (let r = 0; r <= k; r++) {
    const deviation = r - mean;
    secondMoment += gpcmWeight[r] * deviation * deviation;
  }
  return (slope * slope * secondMoment) / sum;
}

export function gpcmProbabilities(slope: number, thresholds: ArrayLike<number>, start: number, k: number, theta: number, out: Float64Array): void {
  const sum = gpcmSoftmax(slope, thresholds, start, k, theta);
  for (let r = 0; r <= k; r++) out[r] = gpcmWeight[r] / sum;
}

export function gpcmProbability(slope: number, thresholds: ArrayLike<number>, start: number, k: number, x: number, theta: number): number {
  const sum = gpcmSoftmax(slope, thresholds, start, k, theta);
  return gpcmWeight[x] / sum;
}
