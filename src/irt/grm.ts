/**
 * Graded response model (GRM, Samejima) kernels; slope = D·a, the item's thresholds are thresholds[start .. start + k − 1].
 * Closed forms and their derivation: see polytomous.ts.
 */
import type { LikelihoodTerms } from './likelihood-terms.js';
import { PROBABILITY_FLOOR, fastExp } from './model.js';

export function grmTerms(slope: number, thresholds: ArrayLike<number>, start: number, k: number, x: number, theta: number, out: LikelihoodTerms): void {
  // Boundary categories: P*₀ = 1 (Q*₀ = 0), P*ₖ₊₁ = 0; their P*Q* terms are 0.
  let sPrevious = 1;
  let sComplementPrevious = 0;
  let ePrevious = 0;
  let wPrevious = 0;
  let information = 0;
  let weight = 0;
  for (let r = 0; r <= k; r++) {
    let s = 0;
    let sComplement = 1;
    let e = 0;
    if (r < k) {
      e = fastExp(-slope * (theta - thresholds[start + r]));
      s = 1 / (1 + e);
      sComplement = e * s;
    }
    const w = s * sComplement;
    const p = r === 0 ? sComplement : r === k ? sPrevious : (e - ePrevious) * s * sPrevious;
    const g = sComplementPrevious - s;
    const pg = p * g;
    information += pg * g;
    weight += pg * (g * g - wPrevious - w);
    if (r === x) {
      out.logLikelihood += Math.log(p > PROBABILITY_FLOOR ? p : PROBABILITY_FLOOR);
      out.score += slope * g;
    }
    sPrevious = s;
    sComplementPrevious = sComplement;
    ePrevious = e;
    wPrevious = w;
  }
  const slopeSquared = slope * slope;
  out.information += slopeSquared * information;
  out.weight += slopeSquared * slope * weight;
}

export function grmInformation(slope: number, thresholds: ArrayLike<number>, start: number, k: number, theta: number): number {
  let sPrevious = 1;
  let sComplementPrevious = 0;
  let ePrevious = 0;
  let information = 0;
  for (let r = 0; r <= k; r++) {
    let s = 0;
    let sComplement = 1;
    let e = 0;
    if (r < k) {
      e = fastExp(-slope * (theta - thresholds[start + r]));
      s = 1 / (1 + e);
      sComplement = e * s;
    }
    const p = r === 0 ? sComplement : r === k ? sPrevious : (e - ePrevious) * s * sPrevious;
    const g = sComplementPrevious - s;
    information += p * g * g;
    sPrevious = s;
    sComplementPrevious = sComplement;
    ePrevious = e;
  }
  return slope * slope * information;
}

export function grmProbabilities(slope: number, thresholds: ArrayLike<number>, start: number, k: number, theta: number, out: Float64Array): void {
  let sPrevious = 1;
  let ePrevious = 0;
  for (let r = 0; r <= k; r++) {
    let s = 0;
    let e = 0;
    if (r < k) {
      e = fastExp(-slope * (theta - thresholds[start + r]));
      s = 1 / (1 + e);
    }
    out[r] = r === 0 ? e * s : r === k ? sPrevious : (e - ePrevious) * s * sPrevious;
    sPrevious = s;
    ePrevious = e;
  }
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
