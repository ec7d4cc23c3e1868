import { MAX_RANDOMESQUE } from './candidate-ranking.js';
import { validateClassification } from './classification-config.js';
import { DEFAULT_CLASSIFICATION, type ClassificationConfig, type ClassificationInput } from './classification.js';
import {
  DEFAULT_PRIOR,
  DEFAULT_QUADRATURE_POINTS,
  DEFAULT_THETA_RANGE,
  type EstimatorName,
  type NormalPrior,
} from './estimators.js';
import { isFiniteNumber, type FieldProblem } from './field-problems.js';
import { validatePretest } from './pretest-config.js';
import type { PretestConfig } from './pretest.js';
import { DEFAULT_STOPPING_RULE, type StoppingRule } from './stopping.js';

export const ESTIMATORS: readonly EstimatorName[] = ['EAP', 'MAP', 'MLE', 'WLE'];
export const MIN_QUADRATURE_POINTS = 5;
export const MAX_QUADRATURE_POINTS = 501;

export type SelectionRuleName = 'MFI';

/** Where MFI evaluates information: at θ̂, or at the cut score nearest θ̂ (classification exams). */
export type SelectionTarget = 'theta' | 'cut';
export const SELECTION_TARGETS: readonly SelectionTarget[] = ['theta', 'cut'];

export interface SelectionConfig {
  /** Maximum Fisher information (the only rule for now). */
  rule: SelectionRuleName;
  /** Choose uniformly among the k most informative items. Default 1. */
  randomesque: number;
  /** Kingsbury–Zara target proportion per content area name. */
  contentBalance?: Record<string, number>;
  /**
   * Item-eligibility exposure control (van der Linden & Veldkamp): target maximum exposure rate in (0, 1]. Needs the
   * eligibility probabilities the service derives from the bank's exposure counts (`NextStepOptions.eligibility`).
   * Cannot be combined with `sympsonHetter`.
   */
  maxExposure?: number;
  /**
   * Apply the bank's stored Sympson–Hetter K (from `sympsonHetterCalibration`; no effect on a bank without any).
   * Default false: opt-in, since K are calibrated for one exam design. Cannot be combined with `maxExposure`.
   */
  sympsonHetter: boolean;
  /**
   * 'theta' (absent means the same): information at θ̂. 'cut': at the cut score nearest θ̂, which only a config with
   * `classification` may ask for.
   */
  target?: SelectionTarget;
}

export interface ExamConfig extends StoppingRule, EstimationSettings {
  /** θ used to pick the first item (and reported before any answer). Default: prior mean. */
  startTheta: number;
  selection: SelectionConfig;
  /** Overrides the bank's scaling constant D when set. */
  scalingConstant?: number;
  /** Classification testing: cut scores, and the rule that stops once θ is known to lie on one side of each. */
  classification?: ClassificationConfig;
  /** Pretest items to administer (unscored), and where. */
  pretest?: PretestConfig;
}

/** What a client may send: everything optional, nested objects partial (classification: all but cutScores). */
export type ExamConfigInput = Partial<Omit<ExamConfig, 'prior' | 'selection' | 'thetaRange' | 'classification' | 'pretest'>> &
  EstimationSettingsInput & {
    selection?: Partial<SelectionConfig>;
    classification?: ClassificationInput;
    pretest?: { count: number; positions?: readonly number[] };
  };

/**
 * The θ scale the estimators are built for. A wider thetaRange makes the MAP/MLE bracketing scan (steps of 0.2)
 * arbitrarily long and overflows EAP's grid; a prior mean far outside it, or a prior SD too narrow, underflows
 * every EAP weight. Either way θ becomes NaN or the process spins.
 */
export const MAX_ABS_THETA = 20;
export const MIN_PRIOR_SD = 0.01;

/**
 * Bounds on what an exam's config may hold, so that a config (kept with every session, in Postgres and in each
 * instance's memory) has a fixed ceiling: MAX_EXAM_CONFIG_BYTES of JSON (64 ASCII names of 100 characters take ~7 KB;
 * the largest classification, 10 cut scores and 11 ASCII labels of 100 characters, ~1.4 KB; 20 pretest positions ~0.1 KB:
 * ~9 KB in all).
 * Non-ASCII or escaped names can still exceed it: `validateExamConfig` then reports `config`.
 */
export const MAX_CONTENT_AREAS = 64;
export const MAX_AREA_NAME_LENGTH = 100;
export const MAX_EXAM_ITEMS = 1_000;
/** An SE above this would stop before any useful measurement (θ's scale is about [-4, 4]). */
export const MAX_SE_THRESHOLD = 10;
export const MAX_EXAM_CONFIG_BYTES = 16 * 1024;

/** How θ is estimated: shared by exam configs and stateless scoring. */
export interface EstimationSettings {
  estimator: EstimatorName;
  prior: NormalPrior;
  thetaRange: [number, number];
  quadraturePoints: number;
}

/** What a client may send of them: everything optional. */
export interface EstimationSettingsInput {
  estimator?: EstimatorName;
  prior?: Partial<NormalPrior>;
  thetaRange?: readonly [number, number];
  quadraturePoints?: number;
}

/** Fills the defaults (EAP, N(0, 1), [-4, 4], 61 points). Does not validate. */
export function resolveEstimationSettings(input: EstimationSettingsInput = {}): EstimationSettings {
  return {
    estimator: input.estimator ?? 'EAP',
    prior: { mean: input.prior?.mean ?? DEFAULT_PRIOR.mean, sd: input.prior?.sd ?? DEFAULT_PRIOR.sd },
    thetaRange: input.thetaRange ? [input.thetaRange[0], input.thetaRange[1]] : [DEFAULT_THETA_RANGE[0], DEFAULT_THETA_RANGE[1]],
    quadraturePoints: input.quadraturePoints ?? DEFAULT_QUADRATURE_POINTS,
  };
}

const utf8 = new TextEncoder();

/** Every problem with resolved estimation settings, as `{ field, message }` (empty = valid). */
export function validateEstimationSettings(settings: EstimationSettings): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const add = (field: string, message: string) => problems.push({ field, message });
  const scale = `[-${MAX_ABS_THETA}, ${MAX_ABS_THETA}]`;
  const outsideScale = (value: number) => Math.abs(value) > MAX_ABS_THETA;

  if (!ESTIMATORS.includes(settings.estimator)) add('estimator', `must be one of ${ESTIMATORS.join(', ')}`);

  const { mean, sd } = settings.prior;
  if (!isFiniteNumber(mean)) add('prior.mean', 'must be a finite number');
  else if (outsideScale(mean)) add('prior.mean', `must lie within ${scale}`);
  if (!isFiniteNumber(sd) || sd <= 0) add('prior.sd', 'must be a finite number > 0');
  else if (sd < MIN_PRIOR_SD) add('prior.sd', `must be at least ${MIN_PRIOR_SD}`);

  const [lo, hi] = settings.thetaRange;
  if (!isFiniteNumber(lo) || !isFiniteNumber(hi)) add('thetaRange', 'must be two finite numbers [lo, hi]');
  else if (lo >= hi) add('thetaRange', 'lower bound must be less than upper bound');
  else if (outsideScale(lo) || outsideScale(hi)) add('thetaRange', `must lie within ${scale}`);

  const points = settings.quadraturePoints;
  if (!Number.isInteger(points) || points < MIN_QUADRATURE_POINTS || points > MAX_QUADRATURE_POINTS) {
    add('quadraturePoints', `must be an integer in [${MIN_QUADRATURE_POINTS}, ${MAX_QUADRATURE_POINTS}]`);
  }
  return problems;
}

/** Fills every default. Does not validate: call `validateExamConfig` on the result. */
export function resolveExamConfig(input: ExamConfigInput = {}): ExamConfig {
  const estimation = resolveEstimationSettings(input);
  const selection: SelectionConfig = {
    rule: input.selection?.rule ?? 'MFI',
    randomesque: input.selection?.randomesque ?? 1,
    sympsonHetter: input.selection?.sympsonHetter ?? false,
  };
  if (input.selection?.contentBalance !== undefined) selection.contentBalance = { ...input.selection.contentBalance };
  if (input.selection?.maxExposure !== undefined) selection.maxExposure = input.selection.maxExposure;
  if (input.selection?.target !== undefined) selection.target = input.selection.target;

  const config: ExamConfig = {
    ...estimation,
    startTheta: input.startTheta ?? estimation.prior.mean,
    selection,
    minItems: input.minItems ?? DEFAULT_STOPPING_RULE.minItems,
    maxItems: input.maxItems ?? DEFAULT_STOPPING_RULE.maxItems,
    seThreshold: input.seThreshold ?? DEFAULT_STOPPING_RULE.seThreshold,
  };
  if (input.scalingConstant !== undefined) config.scalingConstant = input.scalingConstant;
  if (input.classification != null) {
    const { cutScores, labels } = input.classification;
    config.classification = {
      // Copies, when they are arrays at all (otherwise validateExamConfig names the field).
      cutScores: Array.isArray(cutScores) ? [...(cutScores as readonly number[])] : (cutScores as number[]),
      confidence: input.classification.confidence ?? DEFAULT_CLASSIFICATION.confidence,
      method: input.classification.method ?? DEFAULT_CLASSIFICATION.method,
      indifference: input.classification.indifference ?? DEFAULT_CLASSIFICATION.indifference,
    };
    if (labels !== undefined) config.classification.labels = Array.isArray(labels) ? [...(labels as readonly string[])] : (labels as string[]);
  }
  if (input.pretest != null) {
    const { count, positions } = input.pretest;
    config.pretest = { count };
    if (positions !== undefined) config.pretest.positions = Array.isArray(positions) ? [...(positions as readonly number[])] : (positions as number[]);
  }
  return config;
}

/** Every problem with a resolved config, as `{ field, message }` (empty = valid), for HTTP 400 details. */
export function validateExamConfig(config: ExamConfig): FieldProblem[] {
  const problems = validateEstimationSettings(config);
  const add = (field: string, message: string) => problems.push({ field, message });
  const [lo, hi] = config.thetaRange;

  if (!isFiniteNumber(config.startTheta)) add('startTheta', 'must be a finite number');
  else if (lo < hi && (config.startTheta < lo || config.startTheta > hi)) {
    add('startTheta', 'must lie within thetaRange');
  }

  const { selection } = config;
  if (selection.rule !== 'MFI') add('selection.rule', "must be 'MFI'");
  if (!Number.isInteger(selection.randomesque) || selection.randomesque < 1 || selection.randomesque > MAX_RANDOMESQUE) {
    add('selection.randomesque', `must be an integer in [1, ${MAX_RANDOMESQUE}]`);
  }
  if (typeof selection.sympsonHetter !== 'boolean') add('selection.sympsonHetter', 'must be a boolean');
  if (selection.maxExposure !== undefined) {
    if (!isFiniteNumber(selection.maxExposure) || selection.maxExposure <= 0 || selection.maxExposure > 1) {
      add('selection.maxExposure', 'must be in (0, 1]');
    }
    if (selection.sympsonHetter === true) {
      add('selection.sympsonHetter', 'cannot be combined with selection.maxExposure: choose one exposure control');
    }
  }
  if (selection.contentBalance !== undefined) {
    const areas = Object.keys(selection.contentBalance);
    if (areas.length > MAX_CONTENT_AREAS) {
      add('selection.contentBalance', `must name at most ${MAX_CONTENT_AREAS} content areas`);
      return problems; // no per-area messages for a config this large
    }
    for (const area of areas) {
      if (area.length === 0 || area.length > MAX_AREA_NAME_LENGTH) add('selection.contentBalance', `area names must be 1 to ${MAX_AREA_NAME_LENGTH} characters`);
    }
    let total = 0;
    for (const [area, proportion] of Object.entries(selection.contentBalance)) {
      if (!isFiniteNumber(proportion) || proportion < 0 || proportion > 1) {
        add(`selection.contentBalance.${area}`, 'must be a proportion in [0, 1]');
      } else {
        total += proportion;
      }
    }
    if (total > 1 + 1e-9) add('selection.contentBalance', 'proportions must sum to at most 1');
  }

  if (!Number.isInteger(config.minItems) || config.minItems < 0 || config.minItems > MAX_EXAM_ITEMS) {
    add('minItems', `must be an integer in [0, ${MAX_EXAM_ITEMS}]`);
  }
  if (!Number.isInteger(config.maxItems) || config.maxItems < 1 || config.maxItems > MAX_EXAM_ITEMS) {
    add('maxItems', `must be an integer in [1, ${MAX_EXAM_ITEMS}]`);
  }
  if (Number.isInteger(config.minItems) && Number.isInteger(config.maxItems) && config.minItems > config.maxItems) {
    add('minItems', 'must not exceed maxItems');
  }
  if (!isFiniteNumber(config.seThreshold) || config.seThreshold < 0 || config.seThreshold > MAX_SE_THRESHOLD) {
    add('seThreshold', `must be a number in [0, ${MAX_SE_THRESHOLD}] (0 = fixed length)`);
  }
  if (config.scalingConstant !== undefined && (!isFiniteNumber(config.scalingConstant) || config.scalingConstant <= 0 || config.scalingConstant > 10)) {
    add('scalingConstant', 'must be a number in (0, 10]');
  }
  if (selection.target !== undefined) {
    if (!SELECTION_TARGETS.includes(selection.target)) add('selection.target', `must be one of ${SELECTION_TARGETS.join(', ')}`);
    else if (selection.target === 'cut' && config.classification === undefined) add('selection.target', "'cut' needs classification cut scores");
  }
  if (config.classification !== undefined) validateClassification(config.classification, config.thetaRange, add);
  if (config.pretest !== undefined) validatePretest(config.pretest, add);
  if (problems.length === 0 && utf8.encode(JSON.stringify(config)).length > MAX_EXAM_CONFIG_BYTES) {
    add('config', `must serialize to at most ${MAX_EXAM_CONFIG_BYTES} bytes`);
  }
  return problems;
}
