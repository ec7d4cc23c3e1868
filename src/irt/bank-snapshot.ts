import { NO_ENEMY_GROUP, noUsageColumns, writeParameters, type ItemModelColumns, type ItemUsageColumns } from './item-columns.js';
import { thresholdsOf, throwOnProblems, validateItemParameters, type ItemParameterInput } from './item-parameters.js';
import { ITEM_MODELS, MAX_CATEGORIES, MODEL_4PL, type ItemModel, type ItemParameterArrays } from './model.js';

export { ITEM_MODELS, type ItemModel } from './model.js';

/** Area code meaning "this item belongs to no content area". */
export const NO_AREA = 0xffff;

/** At most this many distinct content areas fit a Uint16 code (NO_AREA is reserved). */
export const MAX_AREAS = NO_AREA;

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
