import { emptyTerms, resetTerms } from './likelihood-terms.js';
import {
  DEFAULT_SCALING_CONSTANT,
  MODEL_4PL,
  PROBABILITY_FLOOR,
  fastExp,
  type ItemParameterArrays,
} from './model.js';
import { accumulateItemTerms, polytomousProbability } from './polytomous.js';

export type EstimatorName = 'EAP' | 'MAP' | 'MLE' | 'WLE';

export interface NormalPrior {
  mean: number;
  sd: number;
}

export interface EstimationOptions {
  /** Normal prior for EAP/MAP (and for the MLE/WLE fallback). Default N(0, 1). */
  prior?: NormalPrior;
  /** Bounds of θ; EAP integrates over it, MAP/MLE/WLE are bounded to it. Default [−4, 4]. */
  thetaRange?: readonly [number, number];
  /** Number of equally spaced EAP quadrature points, both ends included. Default 61. */
  quadraturePoints?: number;
  /** θ reported when there are no responses yet. Default: prior mean. */
  startTheta?: number;
  /** Scaling constant D. Default 1. */
  scalingConstant?: number;
}

export interface AbilityEstimate {
  theta: number;
  /** Standard error: posterior SD (EAP), 1/√(I + 1/σ²) (MAP), 1/√I (MLE, WLE; always finite, see estimateMle). */
  se: number;
  /** The estimator that actually produced θ (MLE falls back to MAP on all-correct/all-wrong; MLE and WLE when I(θ̂) = 0). */
  estimatorUsed: EstimatorName;
}

export const DEFAULT_PRIOR: Readonly<NormalPrior> = Object.freeze({ mean: 0, sd: 1 });
export const DEFAULT_THETA_RANGE: readonly [number, number] = Object.freeze([-4, 4]) as readonly [number, number];
export const DEFAULT_QUADRATURE_POINTS = 61;

/**
 * Likelihood factors are multiplied in blocks of this many items before one log is taken:
 * each factor is ≥ PROBABILITY_FLOOR (1e-15), so a block product stays ≥ 1e-240 (no underflow)
 * while doing 16× fewer logarithms than a per-item log sum.
 */
const LIKELIHOOD_BLOCK = 16;

/** |exponent| bound under which the geometric exp recursion in EAP cannot overflow or underflow. */
const GEOMETRIC_EXPONENT_LIMIT = 300;

/** Convergence tolerance on θ for MAP/MLE/WLE. */
const MODE_TOLERANCE = 1e-10;
const MODE_MAX_ITERATIONS = 200;
/** Spacing of the coarse scan that locates the global mode before refining (3PL/4PL can be multimodal). */
const MODE_SCAN_STEP = 0.2;

// ---------------------------------------------------------------------------------------------
// Quadrature grid cache (EAP)
// ---------------------------------------------------------------------------------------------

export interface QuadratureGrid {
  readonly points: Float64Array;
  /** Unnormalised log prior density at each point (constants cancel in the posterior). */
  readonly logPrior: Float64Array;
}

const MAX_CACHED_GRIDS = 64;
const gridCache = new Map<string, QuadratureGrid>();

/** Grid and log prior for one configuration, built once and cached (configs are few and long-lived). */
export function quadratureGrid(lo: number, hi: number, pointCount: number, prior: NormalPrior): QuadratureGrid {
  const key = `${lo}|${hi}|${pointCount}|${prior.mean}|${prior.sd}`;
  const cached = gridCache.get(key);
  if (cached) return cached;
  if (!Number.isInteger(pointCount) || pointCount < 2) throw new RangeError('quadraturePoints must be an integer ≥ 2');
  if (!(prior.sd > 0) || !Number.isFinite(prior.mean)) throw new RangeError('prior needs a finite mean and sd > 0');

  const points = new Float64Array(pointCount);
  const logPrior = new Float64Array(pointCount);
  const step = (hi - lo) / (pointCount - 1);
  for (let q = 0; q < pointCount; q++) {
    points[q] = q === pointCount - 1 ? hi : lo + q * step;
    const z = (points[q] - prior.mean) / prior.sd;
    logPrior[q] = -0.5 * z * z;
  }
  const grid: QuadratureGrid = { points, logPrior };
  if (gridCache.size >= MAX_CACHED_GRIDS) gridCache.delete(gridCache.keys().next().value as string);
  gridCache.set(key, grid);
  return grid;
}

// Scratch buffers reused across calls: JS is single-threaded and EAP never re-enters itself.
let scratchLogLikelihood = new Float64Array(DEFAULT_QUADRATURE_POINTS);
let scratchBlockProduct = new Float64Array(DEFAULT_QUADRATURE_POINTS);

function ensureScratch(size: number): void {
  if (scratchLogLikelihood.length < size) {
    scratchLogLikelihood = new Float64Array(size);
    scratchBlockProduct = new Float64Array(size);
  }
}

/**
 * The options with their defaults; throws when the responses do not pair up with the items, a response is not a
 * score of its item (0..categories − 1) or the range is empty.
 */
function resolveOptions(items: ItemParameterArrays, itemIndices: ArrayLike<number>, responses: ArrayLike<number>, options: EstimationOptions) {
  if (itemIndices.length !== responses.length) {
    throw new RangeError(`got ${itemIndices.length} items but ${responses.length} responses`);
  }
  const { categories } = items;
  // A Uint8Array (what the exam path passes) holds integers ≥ 0 only: just the upper bound to check.
  const integral = responses instanceof Uint8Array;
  for (let k = 0; k < responses.length; k++) {
    const score = responses[k];
    const maxScore = (categories === undefined ? 2 : categories[itemIndices[k]]) - 1;
    if (score > maxScore || (!integral && !(Number.isInteger(score) && score >= 0))) {
      throw new RangeError(`responses[${k}] = ${score} is not a score of item ${itemIndices[k]} (0 to ${maxScore})`);
    }
  }
  const prior = options.prior ?? DEFAULT_PRIOR;
  const [lo, hi] = options.thetaRange ?? DEFAULT_THETA_RANGE;
  if (!(lo < hi) || !Number.isFinite(lo) || !Number.isFinite(hi)) {
    throw new RangeError(`thetaRange must be finite with lo < hi, got [${lo}, ${hi}]`);
  }
  return {
    prior,
    lo,
    hi,
    quadraturePoints: options.quadraturePoints ?? DEFAULT_QUADRATURE_POINTS,
    startTheta: options.startTheta ?? prior.mean,
    scalingConstant: options.scalingConstant ?? DEFAULT_SCALING_CONSTANT,
  };
}

/** No data yet: the best guess is the starting point and the prior spread. */
function noDataEstimate(estimator: EstimatorName, { startTheta, prior }: { startTheta: number; prior: NormalPrior }): AbilityEstimate {
  return { theta: startTheta, se: prior.sd, estimatorUsed: estimator };
}

/**
 * An estimator: θ and SE from the responses to the items `itemIndices[k]` of a bank, in answer order. `responses[k]`
 * is the score, 0..categories − 1 of its item (a 4PL item: 1 correct, 0 wrong); RangeError otherwise.
 */
export type Estimator = (
  items: ItemParameterArrays,
  itemIndices: ArrayLike<number>,
  responses: ArrayLike<number>,
  options?: EstimationOptions,
) => AbilityEstimate;

// ---------------------------------------------------------------------------------------------
// EAP
// ---------------------------------------------------------------------------------------------

/** Multiplies P(X = score) of one GRM/GPCM/PCM item at each grid point (floored) into `blockProduct`. */
function multiplyPolytomousFactors(
  model: number,
  slope: number,
  thresholds: ArrayLike<number>,
  start: number,
  thresholdCount: number,
  score: number,
  points: Float64Array,
  n: number,
  blockProduct: Float64Array,
): void {
  for (let q = 0; q < n; q++) {
    const factor = polytomousProbability(model, slope, thresholds, start, thresholdCount, score, points[q]);
    blockProduct[q] *= factor > PROBABILITY_FLOOR ? factor : PROBABILITY_FLOOR;
  }
}

/**
 * Expected a posteriori: posterior mean and SD over an equally spaced grid with a Normal prior.
 * Log-likelihoods are summed in response order and normalised with log-sum-exp, so the result
 * is bit-for-bit reproducible and stays finite for hundreds of responses.
 */
export const estimateEap: Estimator = (items, itemIndices, responses, options = {}) => {
  const resolved = resolveOptions(items, itemIndices, responses, options);
  if (itemIndices.length === 0) return noDataEstimate('EAP', resolved);
  const { prior, lo, hi, quadraturePoints, scalingConstant } = resolved;

  const { points, logPrior } = quadratureGrid(lo, hi, quadraturePoints, prior);
  const n = points.length;
  ensureScratch(n);
  const logLikelihood = scratchLogLikelihood;
  const blockProduct = scratchBlockProduct;
  logLikelihood.fill(0, 0, n);
  blockProduct.fill(1, 0, n);

  const { a, b, c, d } = items;
  // Model columns, read only when the bank has polytomous items (4PL-only banks run the 4PL loop alone).
  const { model, categories, thresholdStart, thresholds } = items as Required<ItemParameterArrays>;
  const polytomous = items.isPolytomous === true;
  const first = points[0];
  const step = n > 1 ? points[1] - points[0] : 0;
  let itemsInBlock = 0;
  for (let k = 0; k < itemIndices.length; k++) {
    const i = itemIndices[k];
    const slope = scalingConstant * a[i];
    if (polytomous && model[i] !== MODEL_4PL) {
      multiplyPolytomousFactors(model[i], slope, thresholds, thresholdStart[i], categories[i] - 1, responses[k], points, n, blockProduct);
    } else {
      const difficulty = b[i];
      const range = d[i] - c[i];
      const correct = responses[k] !== 0;
      // P = lower + range·s(θ) when correct; 1 − P = (1 − d) + range·(1 − s(θ)) when wrong (no cancellation).
      const lower = correct ? c[i] : 1 - d[i];
      // exp(∓slope·(θ_q − b)) over an equally spaced grid is geometric: one multiplication per point
      // instead of one exp. Only used while every term stays far from overflow/underflow.
      const sign = correct ? -1 : 1;
      const firstExponent = sign * slope * (first - difficulty);
      const lastExponent = sign * slope * (points[n - 1] - difficulty);
      if (Math.abs(firstExponent) < GEOMETRIC_EXPONENT_LIMIT && Math.abs(lastExponent) < GEOMETRIC_EXPONENT_LIMIT) {
        let e = fastExp(firstExponent);
        const ratio = fastExp(sign * slope * step);
        for (let q = 0; q < n; q++) {
          const factor = lower + range / (1 + e);
          blockProduct[q] *= factor > PROBABILITY_FLOOR ? factor : PROBABILITY_FLOOR;
          e *= ratio;
        }
      } else {
        for (let q = 0; q < n; q++) {
          const factor = lower + range / (1 + fastExp(sign * slope * (points[q] - difficulty)));
          blockProduct[q] *= factor > PROBABILITY_FLOOR ? factor : PROBABILITY_FLOOR;
        }
      }
    }
    if (++itemsInBlock === LIKELIHOOD_BLOCK) {
      for (let q = 0; q < n; q++) {
        logLikelihood[q] += Math.log(blockProduct[q]);
        blockProduct[q] = 1;
      }
      itemsInBlock = 0;
    }
  }
  if (itemsInBlock > 0) {
    for (let q = 0; q < n; q++) logLikelihood[q] += Math.log(blockProduct[q]);
  }

  // log-sum-exp: shift by the maximum log posterior before exponentiating.
  let maxLogPosterior = -Infinity;
  for (let q = 0; q < n; q++) {
    const logPosterior = logLikelihood[q] + logPrior[q];
    logLikelihood[q] = logPosterior;
    if (logPosterior > maxLogPosterior) maxLogPosterior = logPosterior;
  }
  let totalWeight = 0;
  let weightedTheta = 0;
  for (let q = 0; q < n; q++) {
    const weight = Math.exp(logLikelihood[q] - maxLogPosterior);
    blockProduct[q] = weight;
    totalWeight += weight;
    weightedTheta += weight * points[q];
  }
  const theta = weightedTheta / totalWeight;
  let weightedSquares = 0;
  for (let q = 0; q < n; q++) {
    const deviation = points[q] - theta;
    weightedSquares += blockProduct[q] * deviation * deviation;
  }
  return { theta, se: Math.sqrt(weightedSquares / totalWeight), estimatorUsed: 'EAP' };
};

// ---------------------------------------------------------------------------------------------
// MAP / MLE
// ---------------------------------------------------------------------------------------------

/** Log-likelihood, its derivative (score) and test information at one θ. Reused to avoid allocation. */
interface LikelihoodPoint {
  logLikelihood: number;
  score: number;
  information: number;
}

function evaluateLikelihood(
  theta: number,
  items: ItemParameterArrays,
  itemIndices: ArrayLike<number>,
  responses: ArrayLike<number>,
  scalingConstant: number,
  out: LikelihoodPoint,
): LikelihoodPoint {
  const { a, b, c, d } = items;
  let logLikelihood = 0;
  let score = 0;
  let information = 0;
  for (let k = 0; k < itemIndices.length; k++) {
    const i = itemIndices[k];
    const slope = scalingConstant * a[i];
    const e = fastExp(-slope * (theta - b[i]));
    const s = 1 / (1 + e);
    const sComplement = e * s;
    const range = d[i] - c[i];
    const p = c[i] + range * s;
    const q = 1 - d[i] + range * sComplement;
    const derivative = slope * range * s * sComplement; // dP/dθ
    if (responses[k] !== 0) {
      const safeP = p > PROBABILITY_FLOOR ? p : PROBABILITY_FLOOR;
      logLikelihood += Math.log(safeP);
      score += derivative / safeP;
    } else {
      const safeQ = q > PROBABILITY_FLOOR ? q : PROBABILITY_FLOOR;
      logLikelihood += Math.log(safeQ);
      score -= derivative / safeQ;
    }
    const pq = p * q;
    if (pq > 0) information += (derivative * derivative) / pq;
  }
  out.logLikelihood = logLikelihood;
  out.score = score;
  out.information = information;
  return out;
}

/**
 * What both searches for θ̂ (findMode's scan and refine, and catR's root rule) take, in one order: the answered items
 * and their scores, D, and the bounds [lo, hi] of θ.
 */
type ModeSearch = [items: ItemParameterArrays, itemIndices: ArrayLike<number>, responses: ArrayLike<number>, scalingConstant: number, lo: number, hi: number];

/** Objective (log posterior or log likelihood) with its slope and curvature proxy at θ. */
interface ObjectivePoint {
  value: number;
  slope: number;
  /** Expected information (+ prior precision): positive, used as Fisher-scoring curvature. */
  curvature: number;
  /** Test information alone, for the SE. */
  information: number;
}

/**
 * Maximises log L(θ) (+ log prior when `prior` is given) on [lo, hi]:
 * a coarse scan brackets the global maximum (3PL/4PL likelihoods can be multimodal),
 * then Fisher scoring / secant steps refine it, falling back to bisection whenever a step
 * leaves the bracket, and to golden-section search if the bracket has no sign change.
 */
function findMode(prior: NormalPrior | null, ...[items, itemIndices, responses, scalingConstant, lo, hi]: ModeSearch): { theta: number; information: number } {
  const scratch: LikelihoodPoint = { logLikelihood: 0, score: 0, information: 0 };
  const point: ObjectivePoint = { value: 0, slope: 0, curvature: 0, information: 0 };
  const precision = prior ? 1 / (prior.sd * prior.sd) : 0;
  const evaluate = (theta: number): ObjectivePoint => {
    evaluateLikelihood(theta, items, itemIndices, responses, scalingConstant, scratch);
    const offset = prior ? theta - prior.mean : 0;
    point.value = scratch.logLikelihood - 0.5 * offset * offset * precision;
    point.slope = scratch.score - offset * precision;
    point.curvature = scratch.information + precision;
    point.information = scratch.information;
    return point;
  };

  const scanCount = Math.max(21, Math.ceil((hi - lo) / MODE_SCAN_STEP) + 1);
  const scanStep = (hi - lo) / (scanCount - 1);
  const scanTheta = (k: number) => (k === scanCount - 1 ? hi : lo + k * scanStep);
  let best = 0;
  let bestValue = -Infinity;
  for (let k = 0; k < scanCount; k++) {
    const value = evaluate(scanTheta(k)).value;
    if (value > bestValue) {
      bestValue = value;
      best = k;
    }
  }

  let left = scanTheta(Math.max(0, best - 1));
  let right = scanTheta(Math.min(scanCount - 1, best + 1));
  if (best === 0 && evaluate(lo).slope <= 0) return { theta: lo, information: point.information };
  if (best === scanCount - 1 && evaluate(hi).slope >= 0) return { theta: hi, information: point.information };
  if (best === 0) left = lo;
  if (best === scanCount - 1) right = hi;

  const leftSlope = evaluate(left).slope;
  const rightSlope = evaluate(right).slope;
  const theta =
    leftSlope > 0 && rightSlope < 0
      ? refineRoot(evaluate, left, right, scanTheta(best))
      : goldenSectionMaximum(evaluate, left, right);
  return { theta, information: evaluate(theta).information };
}

/** Root of the slope inside [left, right] where slope(left) > 0 > slope(right). */
function refineRoot(evaluate: (theta: number) => ObjectivePoint, left: number, right: number, start: number): number {
  let theta = start;
  let previousTheta = Number.NaN;
  let previousSlope = Number.NaN;
  for (let iteration = 0; iteration < MODE_MAX_ITERATIONS; iteration++) {
    const { slope, curvature } = evaluate(theta);
    if (slope === 0) return theta;
    if (slope > 0) left = theta;
    else right = theta;

    // Secant on the slope converges superlinearly; Fisher scoring is the first step / fallback.
    let next = theta + slope / curvature;
    const secantDenominator = slope - previousSlope;
    if (Number.isFinite(previousSlope) && secantDenominator < 0 && theta !== previousTheta) {
      next = theta - (slope * (theta - previousTheta)) / secantDenominator;
    }
    if (!(next > left && next < right)) next = 0.5 * (left + right);

    previousTheta = theta;
    previousSlope = slope;
    if (Math.abs(next - theta) < MODE_TOLERANCE || right - left < MODE_TOLERANCE) return next;
    theta = next;
  }
  return theta;
}

const INVERSE_GOLDEN_RATIO = (Math.sqrt(5) - 1) / 2;

function goldenSectionMaximum(evaluate: (theta: number) => ObjectivePoint, left: number, right: number): number {
  let x1 = right - INVERSE_GOLDEN_RATIO * (right - left);
  let x2 = left + INVERSE_GOLDEN_RATIO * (right - left);
  let f1 = evaluate(x1).value;
  let f2 = evaluate(x2).value;
  for (let iteration = 0; iteration < MODE_MAX_ITERATIONS && right - left > MODE_TOLERANCE; iteration++) {
    if (f1 >= f2) {
      right = x2;
      x2 = x1;
      f2 = f1;
      x1 = right - INVERSE_GOLDEN_RATIO * (right - left);
      f1 = evaluate(x1).value;
    } else {
      left = x1;
      x1 = x2;
      f1 = f2;
      x2 = left + INVERSE_GOLDEN_RATIO * (right - left);
      f2 = evaluate(x2).value;
    }
  }
  return 0.5 * (left + right);
}

// ---------------------------------------------------------------------------------------------
// Polytomous and mixed banks, and WLE: catR's root rule
// ---------------------------------------------------------------------------------------------

/** True when some answered item is GRM, GPCM or PCM (those patterns take the root rule below). */
export function answersPolytomousItem(items: ItemParameterArrays, itemIndices: ArrayLike<number>): boolean {
  const { model } = items;
  if (items.isPolytomous !== true || model === undefined) return false;
  for (let k = 0; k < itemIndices.length; k++) if (model[itemIndices[k]] !== MODEL_4PL) return true;
  return false;
}

/**
 * True when the estimating equation of MAP/MLE is strictly decreasing in θ for these items: GRM, GPCM, PCM and 2PL
 * items have log-concave likelihoods (a 3PL/4PL item with c > 0 or d < 1 can make it multimodal).
 */
function hasConcaveLikelihood(items: ItemParameterArrays, itemIndices: ArrayLike<number>): boolean {
  const { model, c, d } = items;
  for (let k = 0; k < itemIndices.length; k++) {
    const i = itemIndices[k];
    if ((model === undefined || model[i] === MODEL_4PL) && (c[i] !== 0 || d[i] !== 1)) return false;
  }
  return true;
}

type RootRuleEstimator = 'MAP' | 'MLE' | 'WLE';

/** Estimating function g (whose root is θ̂), the objective it is the slope of (for WLE: log L + ½ log I), and I. */
interface RootRulePoint {
  g: number;
  objective: number;
  information: number;
}

/**
 * θ̂ of MAP, MLE or WLE as catR's `thetaEst` finds it for polytomous items, the root of
 *   MLE: S(θ)   MAP: S(θ) + (μ − θ)/σ²   WLE: S(θ) + J(θ)/(2I(θ))
 * on [lo, hi] (S the score, I the test information, J the WLE weight): lo when g < 0 at both ends, hi when g > 0 at
 * both ends, otherwise a root between them, to 1e-10. When g may have several roots (3PL/4PL items, or WLE), the
 * range is scanned in steps of ≤ 0.2 and, of the roots where g goes from + to − (maxima of the objective), the one
 * with the largest objective is taken; a root where g goes from − to + only when there is no other.
 */
function rootRuleEstimate(
  estimator: RootRuleEstimator,
  prior: NormalPrior,
  ...[items, itemIndices, responses, scalingConstant, lo, hi]: ModeSearch
): { theta: number; information: number } {
  const terms = emptyTerms();
  const point: RootRulePoint = { g: 0, objective: 0, information: 0 };
  const precision = 1 / (prior.sd * prior.sd);
  const evaluate = (theta: number): RootRulePoint => {
    resetTerms(terms);
    for (let k = 0; k < itemIndices.length; k++) accumulateItemTerms(items, itemIndices[k], responses[k], theta, scalingConstant, terms);
    let g = terms.score;
    let objective = terms.logLikelihood;
    if (estimator === 'MAP') {
      const offset = theta - prior.mean;
      g -= offset * precision;
      objective -= 0.5 * offset * offset * precision;
    } else if (estimator === 'WLE' && terms.information > 0) {
      g += terms.weight / (2 * terms.information);
      objective += 0.5 * Math.log(terms.information);
    }
    point.g = g;
    point.objective = objective;
    point.information = terms.information;
    return point;
  };
  const g = (theta: number) => evaluate(theta).g;
  const at = (theta: number) => ({ theta, information: evaluate(theta).information });

  const gLo = g(lo);
  const gHi = g(hi);
  if ((gLo < 0 && gHi < 0) || gLo === 0) return at(lo);
  if ((gLo > 0 && gHi > 0) || gHi === 0) return at(hi);
  if (estimator !== 'WLE' && hasConcaveLikelihood(items, itemIndices)) return at(brentRoot(g, lo, hi, gLo, gHi));

  const scanCount = Math.max(21, Math.ceil((hi - lo) / MODE_SCAN_STEP) + 1);
  const scanStep = (hi - lo) / (scanCount - 1);
  let best = Number.NaN;
  let bestObjective = -Infinity;
  let upward = Number.NaN;
  let left = lo;
  let gLeft = gLo;
  for (let k = 1; k < scanCount; k++) {
    const right = k === scanCount - 1 ? hi : lo + k * scanStep;
    const gRight = k === scanCount - 1 ? gHi : g(right);
    if (gLeft > 0 && gRight <= 0) {
      const root = brentRoot(g, left, right, gLeft, gRight);
      const objective = evaluate(root).objective;
      if (Number.isNaN(best) || objective > bestObjective) {
        best = root;
        bestObjective = objective;
      }
    } else if (gLeft < 0 && gRight >= 0 && Number.isNaN(upward)) {
      upward = brentRoot(g, left, right, gLeft, gRight);
    }
    left = right;
    gLeft = gRight;
  }
  // g changes sign between the ends, so some root was found (g is continuous).
  return at(Number.isNaN(best) ? upward : best);
}

/**
 * Root of f in [a, b] where f(a) and f(b) differ in sign (Brent's zeroin: inverse quadratic interpolation and secant
 * steps safeguarded by bisection), to MODE_TOLERANCE.
 */
function brentRoot(f: (x: number) => number, a: number, b: number, fa: number, fb: number): number {
  let c = a;
  let fc = fa;
  let step = b - a;
  let previousStep = step;
  for (let iteration = 0; iteration < MODE_MAX_ITERATIONS; iteration++) {
    if ((fb > 0 && fc > 0) || (fb < 0 && fc < 0)) {
      c = a;
      fc = fa;
      step = b - a;
      previousStep = step;
    }
    if (Math.abs(fc) < Math.abs(fb)) {
      a = b;
      b = c;
      c = a;
      fa = fb;
      fb = fc;
      fc = fa;
    }
    const tolerance = 2 * Number.EPSILON * Math.abs(b) + 0.5 * MODE_TOLERANCE;
    const half = 0.5 * (c - b);
    if (Math.abs(half) <= tolerance || fb === 0) return b;
    if (Math.abs(previousStep) >= tolerance && Math.abs(fa) > Math.abs(fb)) {
      const s = fb / fa;
      let p: number;
      let q: number;
      if (a === c) {
        p = 2 * half * s;
        q = 1 - s;
      } else {
        const r = fb / fc;
        const t = fa / fc;
        p = s * (2 * half * t * (t - r) - (b - a) * (r - 1));
        q = (t - 1) * (r - 1) * (s - 1);
      }
      if (p > 0) q = -q;
      else p = -p;
      if (2 * p < Math.min(3 * half * q - Math.abs(tolerance * q), Math.abs(previousStep * q))) {
        previousStep = step;
        step = p / q;
      } else {
        step = half;
        previousStep = half;
      }
    } else {
      step = half;
      previousStep = half;
    }
    a = b;
    fa = fb;
    b += Math.abs(step) > tolerance ? step : half > 0 ? tolerance : -tolerance;
    fb = f(b);
  }
  return b;
}

// ---------------------------------------------------------------------------------------------
// Estimators
// ---------------------------------------------------------------------------------------------

/**
 * Maximum a posteriori: bounded posterior mode; SE = 1/√(I(θ) + 1/σ²). 4PL items only: the global mode (scan and
 * refine); with polytomous items: catR's root rule (see rootRuleEstimate).
 */
export const estimateMap: Estimator = (items, itemIndices, responses, options = {}) => {
  const resolved = resolveOptions(items, itemIndices, responses, options);
  if (itemIndices.length === 0) return noDataEstimate('MAP', resolved);
  const { prior, lo, hi, scalingConstant } = resolved;
  const search: ModeSearch = [items, itemIndices, responses, scalingConstant, lo, hi];
  const mode = answersPolytomousItem(items, itemIndices) ? rootRuleEstimate('MAP', prior, ...search) : findMode(prior, ...search);
  return { theta: mode.theta, se: 1 / Math.sqrt(mode.information + 1 / (prior.sd * prior.sd)), estimatorUsed: 'MAP' };
};

/**
 * True when every score is the lowest or every score is the highest of its item (for 4PL items: all correct or all
 * wrong); the MLE then does not exist. Without `items` (and `itemIndices`) responses are read as 4PL scores.
 */
export function isExtremePattern(responses: ArrayLike<number>, items?: ItemParameterArrays, itemIndices?: ArrayLike<number>): boolean {
  if (responses.length === 0) return true;
  const categories = items?.categories;
  if (categories === undefined || itemIndices === undefined) {
    const first = responses[0] !== 0;
    for (let k = 1; k < responses.length; k++) if (responses[k] !== 0 !== first) return false;
    return true;
  }
  let allLowest = true;
  let allHighest = true;
  for (let k = 0; k < responses.length; k++) {
    if (responses[k] !== 0) allLowest = false;
    if (responses[k] !== categories[itemIndices[k]] - 1) allHighest = false;
  }
  return allLowest || allHighest;
}

/**
 * Maximum likelihood bounded to [lo, hi]; SE = 1/√I(θ). 4PL items only: the global maximum (scan and refine); with
 * polytomous items: catR's root rule (the bound when the score has the same sign at both ends).
 * Patterns at the lowest or highest score of every item (all correct / all wrong) have no finite MLE, so they fall
 * back to MAP (reported through `estimatorUsed: 'MAP'`). No responses: start θ and prior SD.
 */
export const estimateMle: Estimator = (items, itemIndices, responses, options = {}) => {
  const resolved = resolveOptions(items, itemIndices, responses, options);
  if (itemIndices.length === 0) return noDataEstimate('MLE', resolved);
  if (isExtremePattern(responses, items, itemIndices)) return estimateMap(items, itemIndices, responses, options);
  const { prior, lo, hi, scalingConstant } = resolved;
  const search: ModeSearch = [items, itemIndices, responses, scalingConstant, lo, hi];
  const mode = answersPolytomousItem(items, itemIndices) ? rootRuleEstimate('MLE', prior, ...search) : findMode(null, ...search);
  const se = 1 / Math.sqrt(mode.information);
  // No information at the maximum (it sits at a bound, where the items' information underflows): the SE would be
  // infinite, which is no estimate of precision at all (and not representable in JSON). Treated like an extreme
  // pattern.
  if (!Number.isFinite(se)) return estimateMap(items, itemIndices, responses, options);
  return { theta: mode.theta, se, estimatorUsed: 'MLE' };
};

/**
 * Warm's weighted likelihood estimate: the root of S(θ) + J(θ)/(2I(θ)) on [lo, hi] by catR's root rule (see
 * rootRuleEstimate), for any mix of models; SE = 1/√I(θ̂). Unlike the MLE it is finite for all-correct / all-wrong
 * (lowest / highest score) patterns: the bias correction J/(2I) pulls it inside. Should I(θ̂) underflow to 0 (an
 * estimate at a bound, items far away) it falls back to MAP like the MLE. No responses: start θ and prior SD.
 */
export const estimateWle: Estimator = (items, itemIndices, responses, options = {}) => {
  const resolved = resolveOptions(items, itemIndices, responses, options);
  if (itemIndices.length === 0) return noDataEstimate('WLE', resolved);
  const { prior, lo, hi, scalingConstant } = resolved;
  const root = rootRuleEstimate('WLE', prior, items, itemIndices, responses, scalingConstant, lo, hi);
  const se = 1 / Math.sqrt(root.information);
  if (!Number.isFinite(se)) return estimateMap(items, itemIndices, responses, options);
  return { theta: root.theta, se, estimatorUsed: 'WLE' };
};

const ESTIMATOR_OF: Readonly<Record<EstimatorName, Estimator>> = { EAP: estimateEap, MAP: estimateMap, MLE: estimateMle, WLE: estimateWle };

/** Dispatches to the named estimator. */
export function estimateAbility(
  estimator: EstimatorName,
  ...[items, itemIndices, responses, options]: Parameters<Estimator>
): AbilityEstimate {
  return ESTIMATOR_OF[estimator](items, itemIndices, responses, options);
}
