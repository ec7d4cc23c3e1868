/**
 * Every item response model of the engine, item by item: category probabilities, Fisher information I(θ) and Warm's
 * WLE weight J(θ) of the 4PL, the graded response model (GRM, Samejima), the generalized partial credit model (GPCM,
 * Muraki) and the partial credit model (PCM = GPCM with a = 1). An item with k thresholds t₁..t_k is scored
 * x = 0..k; D·a is written `slope`.
 *
 *   GRM:  P*ₓ = 1 / (1 + exp(−slope·(θ − tₓ))) for x = 1..k, P*₀ = 1, P*ₖ₊₁ = 0;  P(X = x) = P*ₓ − P*ₓ₊₁
 *   GPCM: P(X = x) ∝ exp(Σ_{j≤x} slope·(θ − t_j))  (empty sum for x = 0)
 *   I(θ) = Σₓ P′ₓ² / Pₓ,   J(θ) = Σₓ P′ₓ P″ₓ / Pₓ
 *
 * Closed forms used (no numerical derivatives, no cancellation that grows with |θ − t|):
 * - GRM: Pₓ = (eₓ₊₁ − eₓ)·sₓ·sₓ₊₁ with eₓ = exp(−slope(θ − tₓ)), sₓ = P*ₓ (a difference of two positive terms whose
 *   ratio depends only on the item, never on θ); P′ₓ = slope·Pₓ·gₓ with gₓ = Q*ₓ − P*ₓ₊₁ (Q* = 1 − P*), and
 *   P″ₓ = slope²·Pₓ·(gₓ² − hₓ) with hₓ = P*ₓQ*ₓ + P*ₓ₊₁Q*ₓ₊₁. So I = slope² Σ Pₓgₓ², J = slope³ Σ Pₓgₓ(gₓ² − hₓ)
 *   and the score of an answer x is slope·gₓ.
 * - GPCM/PCM: P′ₓ = slope·Pₓ(x − E[X]), so I = slope²·Var(X), J = slope³·E[(X − E[X])³] and the score of x is
 *   slope·(x − E[X]); probabilities by a max-shifted softmax.
 * - 4PL: I = P′²/(PQ), J = I·slope·(1 − 2s) with s the logistic core (see model.ts).
 *
 * The GRM kernels are in `grm.ts`, the GPCM/PCM kernels in `gpcm.ts`, the running sums they add to in
 * `likelihood-terms.ts` and selection's information bound in `information-bound.ts`. Everything is allocation-free
 * (module scratch in grm.ts and gpcm.ts for an item's ≤ 10 categories) and plain IEEE arithmetic through `fastExp`,
 * so results are bit-for-bit reproducible like the 4PL's.
 */
import { gpcmInformation, gpcmProbabilities, gpcmProbability, gpcmTerms } from './gpcm.js';
import { grmInformation, grmProbabilities, grmProbability, grmTerms } from './grm.js';
import { emptyTerms, resetTerms, type LikelihoodTerms } from './likelihood-terms.js';
import { DEFAULT_SCALING_CONSTANT, MODEL_4PL, MODEL_GRM, PROBABILITY_FLOOR, fastExp, fourPlInformation, type ItemParameterArrays } from './model.js';

/** Item columns plus the scaling constant D a bank snapshot carries (default 1 when absent). */
export type ItemModelView = ItemParameterArrays & { readonly scalingConstant?: number };

/** Model code of item i (4PL when the arrays carry no model column). */
export function modelCodeOf(items: ItemParameterArrays, i: number): number {
  return items.model === undefined ? MODEL_4PL : items.model[i];
}

/** Number of score categories of item i (2 when the arrays carry no model columns). */
export function categoryCountOf(items: ItemParameterArrays, i: number): number {
  return items.categories === undefined ? 2 : items.categories[i];
}

// ---------------------------------------------------------------------------------------------
// 4PL kernels (slope = D·a; information: `fourPlInformation` in model.ts); the GRM's are in grm.ts, the GPCM's and PCM's in gpcm.ts
// ---------------------------------------------------------------------------------------------

/** Adds log P, score, I and J of a 4PL item answered x (0 or 1) to `out`; same arithmetic as estimators' 4PL path. */
function fourPlTerms(slope: number, b: number, c: number, d: number, x: number, theta: number, out: LikelihoodTerms): void {
  const e = fastExp(-slope * (theta - b));
  const s = 1 / (1 + e);
  const sComplement = e * s;
  const range = d - c;
  const p = c + range * s;
  const q = 1 - d + range * sComplement;
  const derivative = slope * range * s * sComplement; // dP/dθ
  if (x !== 0) {
    const safeP = p > PROBABILITY_FLOOR ? p : PROBABILITY_FLOOR;
    out.logLikelihood += Math.log(safeP);
    out.score += derivative / safeP;
  } else {
    const safeQ = q > PROBABILITY_FLOOR ? q : PROBABILITY_FLOOR;
    out.logLikelihood += Math.log(safeQ);
    out.score -= derivative / safeQ;
  }
  const pq = p * q;
  if (pq > 0) {
    const information = (derivative * derivative) / pq;
    out.information += information;
    out.weight += information * slope * (sComplement - s); // P″ = P′·slope·(1 − 2s)
  }
}

// ---------------------------------------------------------------------------------------------
// Dispatch by model (what estimation and selection call)
// ---------------------------------------------------------------------------------------------

/**
 * Information of a polytomous item (model GRM, GPCM or PCM) with `k` thresholds from `start`; selection's
 * polytomous path and `itemInformation` both call this, so they agree bit for bit.
 */
export function polytomousInformation(model: number, slope: number, thresholds: ArrayLike<number>, start: number, k: number, theta: number): number {
  return model === MODEL_GRM ? grmInformation(slope, thresholds, start, k, theta) : gpcmInformation(slope, thresholds, start, k, theta);
}

/** P(X = x) at θ of a polytomous item (GRM, GPCM or PCM); EAP's per-grid-point factor. */
export function polytomousProbability(
  model: number,
  slope: number,
  thresholds: ArrayLike<number>,
  start: number,
  k: number,
  x: number,
  theta: number,
): number {
  return model === MODEL_GRM ? grmProbability(slope, thresholds, start, k, x, theta) : gpcmProbability(slope, thresholds, start, k, x, theta);
}

/** Adds item i's log P(X = x), score, I and J at θ to `out` (any model). */
export function accumulateItemTerms(
  items: ItemParameterArrays,
  i: number,
  x: number,
  theta: number,
  scalingConstant: number,
  out: LikelihoodTerms,
): void {
  const model = modelCodeOf(items, i);
  const slope = scalingConstant * items.a[i];
  if (model === MODEL_4PL) {
    fourPlTerms(slope, items.b[i], items.c[i], items.d[i], x, theta, out);
    return;
  }
  const { thresholds, thresholdStart } = items as Required<ItemParameterArrays>;
  const k = categoryCountOf(items, i) - 1;
  if (model === MODEL_GRM) grmTerms(slope, thresholds, thresholdStart[i], k, x, theta, out);
  else gpcmTerms(slope, thresholds, thresholdStart[i], k, x, theta, out);
}

// ---------------------------------------------------------------------------------------------
// Public, per item of a bank
// ---------------------------------------------------------------------------------------------

function scalingConstantOf(bank: ItemModelView, scalingConstant: number | undefined): number {
  return scalingConstant ?? bank.scalingConstant ?? DEFAULT_SCALING_CONSTANT;
}

/**
 * P(X = x) at θ for x = 0..categories − 1 of item i (a 4PL item: [P(wrong), P(correct)]), written into `out` (a new
 * array when absent; when given, its first `categories` entries). D is the bank's scaling constant unless given.
 */
export function categoryProbabilities(bank: ItemModelView, i: number, theta: number, out?: Float64Array, scalingConstant?: number): Float64Array {
  const categories = categoryCountOf(bank, i);
  const result = out ?? new Float64Array(categories);
  if (result.length < categories) throw new RangeError(`out has length ${result.length}, item ${i} has ${categories} categories`);
  const slope = scalingConstantOf(bank, scalingConstant) * bank.a[i];
  const model = modelCodeOf(bank, i);
  if (model === MODEL_4PL) {
    const e = fastExp(-slope * (theta - bank.b[i]));
    const s = 1 / (1 + e);
    const sComplement = e * s;
    const range = bank.d[i] - bank.c[i];
    result[0] = 1 - bank.d[i] + range * sComplement;
    result[1] = bank.c[i] + range * s;
    return result;
  }
  const { thresholds, thresholdStart } = bank as Required<ItemParameterArrays>;
  if (model === MODEL_GRM) grmProbabilities(slope, thresholds, thresholdStart[i], categories - 1, theta, result);
  else gpcmProbabilities(slope, thresholds, thresholdStart[i], categories - 1, theta, result);
  return result;
}

/** Fisher information I(θ) = Σₓ P′ₓ²/Pₓ of item i (any model); for a 4PL item equal to `information` in model.ts. */
export function itemInformation(bank: ItemModelView, i: number, theta: number, scalingConstant?: number): number {
  const slope = scalingConstantOf(bank, scalingConstant) * bank.a[i];
  const model = modelCodeOf(bank, i);
  if (model === MODEL_4PL) return fourPlInformation(slope, slope * (theta - bank.b[i]), bank.c[i], bank.d[i]);
  const { thresholds, thresholdStart } = bank as Required<ItemParameterArrays>;
  return polytomousInformation(model, slope, thresholds, thresholdStart[i], categoryCountOf(bank, i) - 1, theta);
}

const weightScratch = emptyTerms();

/** Warm's WLE weight J(θ) = Σₓ P′ₓP″ₓ/Pₓ of item i (any model); J = I′ for GRM, GPCM, PCM and 2PL items. */
export function itemWleWeight(bank: ItemModelView, i: number, theta: number, scalingConstant?: number): number {
  accumulateItemTerms(bank, i, 0, theta, scalingConstantOf(bank, scalingConstant), resetTerms(weightScratch));
  return weightScratch.weight;
}
