/** The model and usage columns of a bank snapshot, and how they are filled from item inputs. */
import { modelOfInput, type BankItemInput, type ItemParameterInput } from './item-parameters.js';
import { ITEM_MODELS, MODEL_4PL, MODEL_PCM } from './model.js';

/** Enemy group code meaning "this item belongs to no enemy group". */
export const NO_ENEMY_GROUP = -1;

/**
 * Item model columns of a snapshot: model code, categories and the flat thresholds (`categories[i] − 1` of them from
 * `thresholdStart[i]` for a GRM/GPCM/PCM item, none for a 4PL item).
 */
export interface ItemModelColumns {
  model: Uint8Array;
  categories: Uint8Array;
  thresholdStart: Int32Array;
  thresholds: Float64Array;
}

/** How items may be used in an exam: enemy sets and pretest items. */
export interface ItemUsageColumns {
  /** Index into `enemyGroups` per item, or NO_ENEMY_GROUP (−1). */
  enemyGroup: Int32Array;
  enemyGroups: readonly string[];
  /** 1 for a pretest item, else 0. */
  pretest: Uint8Array;
}

// A bank without enemy groups or pretest items gets views of these shared columns (all −1, all 0), grown to the
// largest such bank: they carry no information, so they cost no memory per bank and are not in its byteLength.
let sharedNoEnemyGroup = new Int32Array(0);
let sharedNoPretest = new Uint8Array(0);

/** Usage columns of `size` items without enemy groups or pretest items (views of shared, read-only by convention, columns). */
export function noUsageColumns(size: number): ItemUsageColumns {
  if (sharedNoEnemyGroup.length < size) {
    sharedNoEnemyGroup = new Int32Array(size).fill(NO_ENEMY_GROUP);
    sharedNoPretest = new Uint8Array(size);
  }
  return { enemyGroup: sharedNoEnemyGroup.subarray(0, size), enemyGroups: [], pretest: sharedNoPretest.subarray(0, size) };
}

/** Model columns of `size` 4PL items (no thresholds). */
export function fourPlColumns(size: number): ItemModelColumns {
  return {
    model: new Uint8Array(size),
    categories: new Uint8Array(size).fill(2),
    thresholdStart: new Int32Array(size),
    thresholds: new Float64Array(0),
  };
}

/** Writes a validated item's parameters at index i (thresholds from `offset`); returns the offset after them. */
export function writeParameters(
  item: ItemParameterInput,
  i: number,
  columns: Omit<ItemModelColumns, 'thresholdStart'> & { a: Float64Array; b: Float64Array; c: Float64Array; d: Float64Array },
  offset: number,
): number {
  const modelCode = ITEM_MODELS.indexOf(modelOfInput(item));
  columns.model[i] = modelCode;
  if (modelCode === MODEL_4PL) {
    columns.a[i] = item.a as number;
    columns.b[i] = item.b as number;
    columns.c[i] = item.c ?? 0;
    columns.d[i] = item.d ?? 1;
    columns.categories[i] = 2;
    return offset;
  }
  const thresholds = item.thresholds as readonly number[];
  let sum = 0;
  for (let j = 0; j < thresholds.length; j++) {
    columns.thresholds[offset + j] = thresholds[j];
    sum += thresholds[j];
  }
  columns.a[i] = modelCode === MODEL_PCM ? 1 : (item.a as number);
  columns.b[i] = sum / thresholds.length;
  columns.c[i] = 0;
  columns.d[i] = 1;
  columns.categories[i] = thresholds.length + 1;
  return offset + thresholds.length;
}

/** Enemy group codes (in order of first appearance) and pretest flags; the shared empty columns when there are none. */
export function usageColumnsOf(items: readonly BankItemInput[]): ItemUsageColumns {
  const n = items.length;
  const hasEnemies = items.some((item) => item.enemyGroup != null);
  const hasPretest = items.some((item) => item.pretest === true);
  const none = noUsageColumns(n);
  if (!hasEnemies && !hasPretest) return none;
  const enemyGroups: string[] = [];
  let enemyGroup = none.enemyGroup;
  if (hasEnemies) {
    enemyGroup = new Int32Array(n);
    const codes = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const name = items[i].enemyGroup;
      if (name == null) {
        enemyGroup[i] = NO_ENEMY_GROUP;
        continue;
      }
      let code = codes.get(name);
      if (code === undefined) {
        code = enemyGroups.length;
        enemyGroups.push(name);
        codes.set(name, code);
      }
      enemyGroup[i] = code;
    }
  }
  let pretest = none.pretest;
  if (hasPretest) {
    pretest = new Uint8Array(n);
    for (let i = 0; i < n; i++) pretest[i] = items[i].pretest === true ? 1 : 0;
  }
  return { enemyGroup, enemyGroups, pretest };
}
