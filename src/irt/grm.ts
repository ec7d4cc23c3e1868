/**
 * Graded response model (GRM, Samejima) kernels; slope = D·a, the item's thresholds are thresholds[start .. start + k − 1].
 * Closed forms and their derivation: see polytomous.ts.
 */
import type { LikelihoodTerms } from './likelihood-terms.js';
import { MAX_CATEGORIES, PROBABILITY_FLOOR, fastExp } from './model.js';

// Per-category scratch filled by grmCategories (single-threaded; none of these functions re-enters another), so that
// the terms, the information and the probabilities share one pass over the boundaries, as the GPCM's share gpcmSoftmax.
/** P(X = r). */
const categoryProbability = new Float64Array(MAX_CATEGORIES);
/** gᵣ = Q*ᵣ − P*ᵣ₊₁: the score of an answer r is slope·gᵣ. */
const categoryScore = new Float64Array(MAX_CATEGORIES);
/** P*ᵣ₊₁Q*ᵣ₊₁, the variance term of the boundary above r (0 above the last category). */
const upperBoundaryVariance = new Float64Array(MAX_CATEGORIES);

/** Fills the scratch for r = 0..k. Boundary categories: P*₀ = 1 (Q*₀ = 0), P*ₖ₊₁ = 0; their P*Q* terms are 0. */
function grmCategories(slope: number, thresholds: ArrayLike<number>, start: number, k: number, theta: number): void {
  let sPrevious = 1;
  let sComplementPrevious = 0;
  let ePrevious = 0;
  for (let r = 0; r <= k; r++) {
    let s = 0;
    let sComplement = 1;
    let e = 0;
    if (r < k) {
      e = fastExp(-slope * (theta - thresholds[start + r]));
      s = 1 / (1 + e);
      sComplement = e * s;
    }
    categoryProbability[r] = r === 0 ? sComplement : r === k ? sPrevious : (e - ePrevious) * s * sPrevious;
    categoryScore[r] = sComplementPrevious - s;
    upperBoundaryVariance[r] = s * sComplement;
    sPrevious = s;
    sComplementPrevious = sComplement;
    ePrevious = e;
  }
}

export function grmTerms(slope: number, thresholds: ArrayLike<number>, start: number, k: number, x: number, theta: number, out: LikelihoodTerms): void {
  grmCategories(slope, thresholds, start, k, theta);
  let information = 0;
  let weight = 0;
  let wPrevious = 0;
  for (let r = 0; r <= k; r++) {
    const g = categoryScore[r];
    const w = upperBoundaryVariance[r];
    const pg = categoryProbability[r] * g;
    information += pg * g;
    weight += pg * (g * g - wPrevious - w);
    wPrevious = w;
  }
  const p = categoryProbability[x];
  out.logLikelihood += Math.log(p > PROBABILITY_FLOOR ? p : PROBABILITY_FLOOR);
  out.score += slope * categoryScore[x];
  const slopeSquared = slope * slope;
  out.information += slopeSquared * information;
  out.weight += slopeSquared * slope * weight;
}

export function grmInformation(slope: number, thresholds: ArrayLike<number>, start: number, k: number, theta: number): number {
  grmCategories(slope, thresholds, start, k, theta);
  let information = 0;
  for (let r = 0; r <= k; r++) information += categoryProbability[r] * categoryScore[r] * categoryScore[r];
  return slope * slope * information;
}

export function grmProbabilities(slope: number, thresholds: ArrayLike<number>, start: number, k: number, theta: number, out: Float64Array): void {
  grmCategories(slope, thresholds, start, k, theta);
  for (let r = 0; r <= k; r++) out[r] = categoryProbability[r];
}

/** P(X = x) of a GRM item; used by EAP at every grid point. */
export function grmProbability(slope: number, thresholds: ArrayLike<number>, start: number, k: number, x: number, theta: number): number {
  if (x === 0) {
    const e = fastExp(-slope * (theta - thresholds[start]));
    return e / (1 + e);
  }
  const eLower = fastExp(-slope * (theta - thresholds[start + x - 1]));
  if (x === k) return 1 / (1 + eLower);
  const eUpper = fastExp(-slope * (theta - thresholds[start + x]));
  return (eUpper - eLower) / (1 + eUpper) / (1 + eLower);
}
