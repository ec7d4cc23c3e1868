/** Item parameters as the service hands them to the engine, and their validation. */
import { isFiniteNumber, type FieldProblem } from './field-problems.js';
import { ITEM_MODELS, MAX_THRESHOLDS, MODEL_4PL, MODEL_GRM, MODEL_PCM, type ItemModel } from './model.js';

/** Longest enemy group name. */
export const MAX_ENEMY_GROUP_LENGTH = 100;

/**
 * The IRT parameters of one item.
 * - 4PL (default): `a` > 0, `b`, `c` in [0, 1) (default 0), `d` in (c, 1] (default 1); scored 0 (wrong) or 1 (correct).
 * - GRM, GPCM, PCM: `a` > 0 (PCM: 1, may be left out) and `thresholds` t₁..t_k, 1 ≤ k ≤ 9 (strictly increasing for
 *   GRM), scored 0..k. `b`, `c` and `d` do not apply: `b` is ignored, `c` and `d` may only hold their defaults 0 and 1.
 *   GPCM/PCM thresholds are the step parameters δ (catR's convention), not cumulative or centred.
 */
export interface ItemParameterInput {
  /** Default '4PL'. */
  model?: ItemModel;
  /** Discrimination: required, except for PCM (where it is 1). */
  a?: number;
  /** Difficulty of a 4PL item (required for 4PL, ignored otherwise). */
  b?: number;
  /** Lower asymptote (guessing) of a 4PL item, default 0. */
  c?: number;
  /** Upper asymptote (slipping) of a 4PL item, default 1. */
  d?: number;
  /** Thresholds of a GRM/GPCM/PCM item (1 to 9: 2 to 10 score categories). */
  thresholds?: readonly number[];
}

/** One item as the service hands it to the engine (already loaded from the database). */
export interface BankItemInput extends ItemParameterInput {
  /** Content area name, null/undefined for none. */
  area?: string | null;
  /** Disabled items stay in the snapshot (indices are stable) but are never selected. Default true. */
  enabled?: boolean;
  /** Sympson–Hetter exposure parameter K in (0, 1]; 1 (default) means no exposure control. */
  exposureControl?: number;
  /**
   * Enemy set (1 to 100 characters), null/undefined for none: once one item of a group is administered in an exam, no
   * other item of that group is selected in it.
   */
  enemyGroup?: string | null;
  /** A pretest item is never selected adaptively and is not scored (see `ExamConfig.pretest`). Default false. */
  pretest?: boolean;
}

export function modelOfInput(item: ItemParameterInput): ItemModel {
  return item.model ?? '4PL';
}

/** Thresholds the item will store (none for a 4PL item). */
export function thresholdsOf(item: ItemParameterInput): readonly number[] {
  return modelOfInput(item) === '4PL' ? [] : (item.thresholds ?? []);
}

/** Problems with one item's parameters (empty when valid). Field names are relative to the item. */
export function validateItemParameters(item: BankItemInput): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const add = (field: string, message: string) => problems.push({ field, message });
  const model = modelOfInput(item);
  const modelCode = ITEM_MODELS.indexOf(model);
  if (modelCode === -1) {
    add('model', `must be one of ${ITEM_MODELS.join(', ')}`);
  } else if (modelCode === MODEL_4PL) {
    const c = item.c ?? 0;
    const d = item.d ?? 1;
    if (!isFiniteNumber(item.a) || item.a <= 0) add('a', 'must be a finite number > 0');
    if (!isFiniteNumber(item.b)) add('b', 'must be a finite number');
    if (!isFiniteNumber(c) || c < 0 || c >= 1) add('c', 'must be in [0, 1)');
    if (!isFiniteNumber(d) || d <= 0 || d > 1) add('d', 'must be in (0, 1]');
    if (isFiniteNumber(c) && isFiniteNumber(d) && c >= d) add('d', 'must be greater than c');
    if (item.thresholds != null && item.thresholds.length > 0) add('thresholds', 'do not apply to 4PL items (use b)');
  } else {
    if (modelCode === MODEL_PCM) {
      if (item.a != null && item.a !== 1) add('a', 'must be 1 for PCM');
    } else if (!isFiniteNumber(item.a) || item.a <= 0) {
      add('a', 'must be a finite number > 0');
    }
    // Absent, null or the default: the value that means "no asymptote" (what a database column may hold anyway).
    if (item.c != null && item.c !== 0) add('c', `does not apply to ${model} items (leave it out)`);
    if (item.d != null && item.d !== 1) add('d', `does not apply to ${model} items (leave it out)`);
    const { thresholds } = item;
    if (!Array.isArray(thresholds) || thresholds.length < 1 || thresholds.length > MAX_THRESHOLDS) {
      add('thresholds', `must hold 1 to ${MAX_THRESHOLDS} thresholds`);
    } else {
      for (let j = 0; j < thresholds.length; j++) {
        const value: unknown = thresholds[j];
        if (!isFiniteNumber(value)) add(`thresholds.${j}`, 'must be a finite number');
        else if (modelCode === MODEL_GRM && j > 0 && isFiniteNumber(thresholds[j - 1]) && !(value > thresholds[j - 1])) {
          add(`thresholds.${j}`, `must be greater than thresholds.${j - 1} (GRM)`);
        }
      }
    }
  }
  const k = item.exposureControl;
  if (k !== undefined && (!Number.isFinite(k) || k <= 0 || k > 1)) add('exposureControl', 'must be in (0, 1]');
  const group: unknown = item.enemyGroup;
  if (group != null && (typeof group !== 'string' || group.length === 0 || group.length > MAX_ENEMY_GROUP_LENGTH)) {
    add('enemyGroup', `must be a string of 1 to ${MAX_ENEMY_GROUP_LENGTH} characters, or null`);
  }
  const pretest: unknown = item.pretest;
  if (pretest !== undefined && typeof pretest !== 'boolean') add('pretest', 'must be a boolean');
  return problems;
}

/** Throws a RangeError naming item `index` and its problems, if it has any. */
export function throwOnProblems(index: number, problems: FieldProblem[]): void {
  if (problems.length === 0) return;
  const detail = problems.map((p) => `${p.field} ${p.message}`).join('; ');
  throw new RangeError(`item ${index}: ${detail}`);
}
