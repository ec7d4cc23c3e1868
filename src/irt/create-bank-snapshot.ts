import { ItemBankSnapshot, MAX_AREAS, NO_AREA } from './bank-snapshot.js';
import { usageColumnsOf, writeParameters } from './item-columns.js';
import { thresholdsOf, throwOnProblems, validateItemParameters, type BankItemInput } from './item-parameters.js';
import { DEFAULT_SCALING_CONSTANT } from './model.js';

export interface BankSnapshotOptions {
  /** Scaling constant D of the bank's item parameters, default 1 (use 1.702 for normal-ogive metric). */
  scalingConstant?: number;
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
