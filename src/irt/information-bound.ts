/** Selection's pruning: an exp-free upper bound of a polytomous item's information. */
import { MODEL_GRM } from './model.js';

/** Keeps information bounds above the computed information despite rounding (which is ~1e-15 relative). */
const BOUND_MARGIN = 1 + 1e-9;

/** 1 + x + x²/2 + x³/6 + x⁴/24 ≤ e^x for x ≥ 0 (no exp: selection's pruning must be cheaper than the exps it saves). */
function expLowerBound(x: number): number {
  return 1 + x * (1 + x * (0.5 + x * (1 / 6 + x * (1 / 24))));
}

/**
 * An upper bound of `polytomousInformation` (same arguments) without any exp, for selection's pruning:
 * - GRM: I ≤ slope²/3, the information of the latent logistic response the categories coarsen; and I ≤ slope²·P*₁·Q*ₖ
 *   (the score slope·gₓ has mean 0 and lies in [−P*₁, Q*ₖ]: Bhatia–Davis), where P*₁ ≤ e^−u below t₁,
 *   u = slope(t₁ − θ), and Q*ₖ ≤ e^−u above tₖ, u = slope(θ − tₖ).
 * - GPCM/PCM: I = slope²·Var(X) ≤ slope²·k²/4; and Var(X) ≤ E[X](k − E[X]) ≤ k·r/(1 − r)² below every threshold
 *   (P(X = x) ≤ rˣ, r = e^−u, u = slope(min t − θ)), likewise for k − X above every threshold.
 * e^u is bounded below by its degree-4 Taylor polynomial L, so r ≤ 1/L.
 */
export function polytomousInformationBound(
  model: number,
  slope: number,
  thresholds: ArrayLike<number>,
  start: number,
  k: number,
  theta: number,
): number {
  let lowest: number;
  let highest: number;
  if (model === MODEL_GRM) {
    lowest = thresholds[start];
    highest = thresholds[start + k - 1];
  } else {
    lowest = thresholds[start];
    highest = lowest;
    for (let j = 1; j < k; j++) {
      const t = thresholds[start + j];
      if (t < lowest) lowest = t;
      else if (t > highest) highest = t;
    }
  }
  const distance = theta < lowest ? lowest - theta : theta > highest ? theta - highest : 0;
  const slopeSquared = slope * slope;
  const l = expLowerBound(slope * distance);
  if (model === MODEL_GRM) return slopeSquared * BOUND_MARGIN * Math.min(1 / 3, 1 / l);
  const tail = distance > 0 ? (k * l) / ((l - 1) * (l - 1)) : Infinity;
  return slopeSquared * BOUND_MARGIN * Math.min(0.25 * k * k, tail);
}
