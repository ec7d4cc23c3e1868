import {
  DEFAULT_SCALING_CONSTANT,
  ITEM_MODELS,
  MAX_CATEGORIES,
  MAX_THRESHOLDS,
  MODEL_4PL,
  MODEL_GRM,
  MODEL_PCM,
  type ItemModel,
  type ItemParameterArrays,
} from './model.js';

export { ITEM_MODELS, type ItemModel } from './model.js';

/** Area code meaning "this item belongs to no content area". */
export const NO_AREA = 0xffff;

/** At most this many distinct content areas fit a Uint16 code (NO_AREA is reserved). */
export const MAX_AREAS = NO_AREA;

/** Enemy group code meaning "this item belongs to no enemy group". */
export const NO_ENEMY_GROUP = -1;

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

export interface BankSnapshotOptions {
  /** Scaling constant D of the bank's item parameters, default 1 (use 1.702 for normal-ogive metric). */
  scalingConstant?: number;
}

/** One invalid input field, e.g. `{ field: 'items.3.a', message: 'must be a finite number > 0' }` (dotted path). */
export interface FieldProblem {
  field: string;
  message: string;
}

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

/**
 * Immutable, columnar copy of an item bank. Items are referred to by their integer index;
 * the service keeps the index ↔ database id mapping. Columnar typed arrays keep 100,000 4PL items
 * around 4 MB and let information be computed in one tight pass.
 *
 * For a GRM/GPCM/PCM item, `a` is its discrimination (1 for PCM), `b` the mean of its thresholds (a location for
 * display; no formula reads it), `c` = 0 and `d` = 1.
 */
export class ItemBankSnapshot implements ItemParameterArrays {
  readonly size: number;
  /** Model code per item: index into ITEM_MODELS (0 = 4PL, 1 = GRM, 2 = GPCM, 3 = PCM). */
  readonly model: Uint8Array;
  /** Number of score categories per item (2 for 4PL). */
  readonly categories: Uint8Array;
  /** Offset of item i's first threshold in `thresholds`. */
  readonly thresholdStart: Int32Array;
  /** Thresholds of every polytomous item, flat. */
  readonly thresholds: Float64Array;
  /** True when some item is GRM, GPCM or PCM; a 4PL-only bank takes the 4PL fast paths. */
  readonly isPolytomous: boolean;
  /** Enemy group code per item: index into `enemyGroups`, or NO_ENEMY_GROUP (−1). */
  readonly enemyGroup: Int32Array;
  /** Enemy group names (in order of first appearance). */
  readonly enemyGroups: readonly string[];
  /** True when some item belongs to an enemy group; a bank without any takes selection's plain path. */
  readonly hasEnemies: boolean;
  /** 1 for a pretest item (never selected adaptively, never scored), else 0. */
  readonly pretest: Uint8Array;
  /** Indices of the pretest items, ascending (empty when there are none). */
  readonly pretestItems: Int32Array;
  /** Items of enemy group g: `enemyMembers[enemyMemberStart[g] .. enemyMemberStart[g + 1] − 1]`, ascending. */
  private readonly enemyMemberStart: Int32Array;
  private readonly enemyMembers: Int32Array;

  constructor(
    readonly a: Float64Array,
    readonly b: Float64Array,
    readonly c: Float64Array,
    readonly d: Float64Array,
    readonly enabled: Uint8Array,
    /** Index into `areas`, or NO_AREA. */
    readonly area: Uint16Array,
    readonly areas: readonly string[],
    /** Sympson–Hetter K per item, or null when no item is exposure-controlled. */
    readonly exposureControl: Float64Array | null,
    readonly scalingConstant: number,
    /** Item models (`fourPlColumns(size)` for a 4PL-only bank). */
    models: ItemModelColumns,
    /** Enemy groups and pretest items; none when absent. */
    usage: ItemUsageColumns = noUsageColumns(a.length),
  ) {
    this.size = a.length;
    this.model = models.model;
    this.categories = models.categories;
    this.thresholdStart = models.thresholdStart;
    this.thresholds = models.thresholds;
    this.enemyGroup = usage.enemyGroup;
    this.enemyGroups = usage.enemyGroups;
    this.pretest = usage.pretest;
    const columns = [b, c, d, enabled, area, exposureControl ?? b, this.model, this.categories, this.thresholdStart, this.enemyGroup, this.pretest];
    if (columns.some((column) => column.length !== this.size)) {
      throw new RangeError('ItemBankSnapshot: all columns must have the same length');
    }
    // The hot loops index these columns unchecked: a bad code or offset would silently read undefined.
    let isPolytomous = false;
    for (let i = 0; i < this.size; i++) {
      const model = this.model[i];
      const categories = this.categories[i];
      const thresholdCount = model === MODEL_4PL ? 0 : categories - 1;
      const valid =
        model < ITEM_MODELS.length &&
        (model === MODEL_4PL ? categories === 2 : categories >= 2 && categories <= MAX_CATEGORIES) &&
        this.thresholdStart[i] >= 0 &&
        this.thresholdStart[i] + thresholdCount <= this.thresholds.length;
      if (!valid) throw new RangeError(`ItemBankSnapshot: item ${i} has an invalid model, category count or threshold offset`);
      if (model !== MODEL_4PL) isPolytomous = true;
    }
    this.isPolytomous = isPolytomous;

    // Enemy groups as lists of members (selection withholds a whole group at once), and the pretest items.
    const groupCount = this.enemyGroups.length;
    const memberStart = new Int32Array(groupCount + 1);
    let pretestCount = 0;
    for (let i = 0; i < this.size; i++) {
      const group = this.enemyGroup[i];
      if (!(Number.isInteger(group) && group >= NO_ENEMY_GROUP && group < groupCount)) {
        throw new RangeError(`ItemBankSnapshot: item ${i} has an invalid enemy group code ${group}`);
      }
      if (group !== NO_ENEMY_GROUP) memberStart[group + 1]++;
      if (this.pretest[i] > 1) throw new RangeError(`ItemBankSnapshot: item ${i} has an invalid pretest flag ${this.pretest[i]}`);
      pretestCount += this.pretest[i];
    }
    for (let g = 0; g < groupCount; g++) memberStart[g + 1] += memberStart[g];
    const members = new Int32Array(memberStart[groupCount]);
    const next = memberStart.slice(0, groupCount);
    const pretestItems = new Int32Array(pretestCount);
    pretestCount = 0;
    for (let i = 0; i < this.size; i++) {
      const group = this.enemyGroup[i];
      if (group !== NO_ENEMY_GROUP) members[next[group]++] = i;
      if (this.pretest[i] === 1) pretestItems[pretestCount++] = i;
    }
    this.enemyMemberStart = memberStart;
    this.enemyMembers = members;
    this.hasEnemies = members.length > 0;
    this.pretestItems = pretestItems;
  }

  /** Enemy group name of an item, or null. */
  enemyGroupOf(itemIndex: number): string | null {
    const code = this.enemyGroup[itemIndex];
    return code === NO_ENEMY_GROUP ? null : this.enemyGroups[code];
  }

  /** The items of enemy group `code` (index into `enemyGroups`), ascending; a view. */
  enemyGroupMembers(code: number): Int32Array {
    return this.enemyMembers.subarray(this.enemyMemberStart[code], this.enemyMemberStart[code + 1]);
  }

  /** Index of a content area name in `areas`, or NO_AREA when the bank has no such area. */
  areaIndexOf(name: string): number {
    const index = this.areas.indexOf(name);
    return index === -1 ? NO_AREA : index;
  }

  /** Content area name of an item, or null. */
  areaOf(itemIndex: number): string | null {
    const code = this.area[itemIndex];
    return code === NO_AREA ? null : this.areas[code];
  }

  /** Number of score categories of an item: its scores are 0..categoriesOf(i) − 1 (2 for a 4PL item). */
  categoriesOf(itemIndex: number): number {
    return this.categories[itemIndex];
  }

  /** Model name of an item. */
  modelOf(itemIndex: number): ItemModel {
    return ITEM_MODELS[this.model[itemIndex]];
  }

  /** Thresholds of an item (a view, empty for a 4PL item). */
  thresholdsOf(itemIndex: number): Float64Array {
    const start = this.thresholdStart[itemIndex];
    const count = this.model[itemIndex] === MODEL_4PL ? 0 : this.categories[itemIndex] - 1;
    return this.thresholds.subarray(start, start + count);
  }

  /** The IRT parameters of an item, as `createBankSnapshot` takes them. */
  parametersOf(itemIndex: number): ItemParameterInput {
    const model = this.modelOf(itemIndex);
    if (model === '4PL') return { model, a: this.a[itemIndex], b: this.b[itemIndex], c: this.c[itemIndex], d: this.d[itemIndex] };
    return { model, a: this.a[itemIndex], thresholds: Array.from(this.thresholdsOf(itemIndex)) };
  }

  /**
   * A copy with some items' IRT parameters (model included) replaced, e.g. an exam pinned to older item versions;
   * enabled, areas, exposure control, enemy groups and pretest flags are shared with this snapshot. Throws RangeError on an index outside the
   * bank or invalid parameters.
   */
  withItemParameters(changes: Iterable<readonly [itemIndex: number, parameters: ItemParameterInput]>): ItemBankSnapshot {
    const replaced = new Map<number, ItemParameterInput>();
    for (const [index, parameters] of changes) {
      if (!Number.isInteger(index) || index < 0 || index >= this.size) {
        throw new RangeError(`item index ${index} is outside the bank (size ${this.size})`);
      }
      throwOnProblems(index, validateItemParameters(parameters));
      replaced.set(index, parameters);
    }
    const [a, b, c, d] = [this.a.slice(), this.b.slice(), this.c.slice(), this.d.slice()];
    const model = this.model.slice();
    const categories = this.categories.slice();
    const thresholdStart = new Int32Array(this.size);
    let thresholdCount = 0;
    for (let i = 0; i < this.size; i++) {
      const change = replaced.get(i);
      thresholdCount += change === undefined ? this.thresholdsOf(i).length : thresholdsOf(change).length;
    }
    const thresholds = new Float64Array(thresholdCount);
    let offset = 0;
    for (let i = 0; i < this.size; i++) {
      thresholdStart[i] = offset;
      const change = replaced.get(i);
      if (change === undefined) {
        const own = this.thresholdsOf(i);
        thresholds.set(own, offset);
        offset += own.length;
      } else {
        offset = writeParameters(change, i, { a, b, c, d, model, categories, thresholds }, offset);
      }
    }
    return new ItemBankSnapshot(
      a,
      b,
      c,
      d,
      this.enabled,
      this.area,
      this.areas,
      this.exposureControl,
      this.scalingConstant,
      { model, categories, thresholdStart, thresholds },
      { enemyGroup: this.enemyGroup, enemyGroups: this.enemyGroups, pretest: this.pretest },
    );
  }

  /**
   * Bytes held by the typed-array columns. The enemy group and pretest columns of a bank without enemy groups (or
   * without pretest items) are views of shared columns and not counted.
   */
  get byteLength(): number {
    const usageBytes =
      (this.hasEnemies ? this.enemyGroup.byteLength + this.enemyMemberStart.byteLength + this.enemyMembers.byteLength : 0) +
      (this.pretestItems.length > 0 ? this.pretest.byteLength + this.pretestItems.byteLength : 0);
    return (
      usageBytes +
      this.a.byteLength +
      this.b.byteLength +
      this.c.byteLength +
      this.d.byteLength +
      this.enabled.byteLength +
      this.area.byteLength +
      (this.exposureControl?.byteLength ?? 0) +
      this.model.byteLength +
      this.categories.byteLength +
      this.thresholdStart.byteLength +
      this.thresholds.byteLength
    );
  }
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

function modelOfInput(item: ItemParameterInput): ItemModel {
  return item.model ?? '4PL';
}

/** Thresholds the item will store (none for a 4PL item). */
function thresholdsOf(item: ItemParameterInput): readonly number[] {
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

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function throwOnProblems(index: number, problems: FieldProblem[]): void {
  if (problems.length === 0) return;
  const detail = problems.map((p) => `${p.field} ${p.message}`).join('; ');
  throw new RangeError(`item ${index}: ${detail}`);
}

/** Writes a validated item's parameters at index i (thresholds from `offset`); returns the offset after them. */
function writeParameters(
  item: ItemParameterInput,
  i: number,
  columns: Omit<ItemModelColumns, 'thresholdStart'> & Pick<ItemBankSnapshot, 'a' | 'b' | 'c' | 'd'>,
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

/**
 * Builds a snapshot from plain item objects. Throws RangeError on invalid parameters
 * (validate first with `validateItemParameters` to report problems to a client).
 */
export function createBankSnapshot(items: readonly BankItemInput[], options: BankSnapshotOptions = {}): ItemBankSnapshot {
  const scalingConstant = options.scalingConstant ?? DEFAULT_SCALING_CONSTANT;
  if (!Number.isFinite(scalingConstant) || scalingConstant <= 0) {
    throw new RangeError('scalingConstant must be a finite number > 0');
  }
  const n = items.length;
  let thresholdCount = 0;
  for (let i = 0; i < n; i++) {
    throwOnProblems(i, validateItemParameters(items[i]));
    thresholdCount += thresholdsOf(items[i]).length;
  }
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  const c = new Float64Array(n);
  const d = new Float64Array(n);
  const model = new Uint8Array(n);
  const categories = new Uint8Array(n);
  const thresholdStart = new Int32Array(n);
  const thresholds = new Float64Array(thresholdCount);
  const enabled = new Uint8Array(n);
  const area = new Uint16Array(n);
  const areas: string[] = [];
  const areaCodes = new Map<string, number>();
  const needsExposureControl = items.some((item) => item.exposureControl !== undefined && item.exposureControl < 1);
  const exposureControl = needsExposureControl ? new Float64Array(n) : null;
  const usage = usageColumnsOf(items);

  let offset = 0;
  for (let i = 0; i < n; i++) {
    const item = items[i];
    thresholdStart[i] = offset;
    offset = writeParameters(item, i, { a, b, c, d, model, categories, thresholds }, offset);
    enabled[i] = item.enabled === false ? 0 : 1;
    if (exposureControl) exposureControl[i] = item.exposureControl ?? 1;

    if (item.area === undefined || item.area === null) {
      area[i] = NO_AREA;
      continue;
    }
    let code = areaCodes.get(item.area);
    if (code === undefined) {
      if (areas.length >= MAX_AREAS) throw new RangeError(`too many content areas (max ${MAX_AREAS})`);
      code = areas.length;
      areas.push(item.area);
      areaCodes.set(item.area, code);
    }
    area[i] = code;
  }
  return new ItemBankSnapshot(a, b, c, d, enabled, area, areas, exposureControl, scalingConstant, { model, categories, thresholdStart, thresholds }, usage);
}

/** Enemy group codes (in order of first appearance) and pretest flags; the shared empty columns when there are none. */
function usageColumnsOf(items: readonly BankItemInput[]): ItemUsageColumns {
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
