import { PickType } from '@nestjs/swagger';
import type { ItemModel } from '../../irt/index.js';
import { OptionDto } from './item-bank.dto.js';

/**
 * Response bodies of the bank and item routes. Classes (not interfaces) so that the OpenAPI document describes
 * them; the services build plain objects of these shapes.
 */

export class BankView {
  id!: string;
  name!: string;
  itemCount!: number;
  version!: number;
  /** How results report θ; null: θ only. */
  reportingScale!: ReportingScaleView | null;
}

export class ReportingScaleView {
  slope!: number;
  intercept!: number;
  decimals!: number;
  min!: number | null;
  max!: number | null;
  bands!: { min: number; label: string }[];
}

export class CreatedBankView extends BankView {
  createdAt!: Date;
}

export class ImportResultView {
  created!: number;
  bankVersion!: number;
}

/** An item as an admin sees it: everything, including the key and the IRT parameters. */
export class ItemView {
  id!: string;
  bankId!: string;
  externalId!: string;
  ordinal!: number;
  stem!: string;
  options!: OptionDto[];
  /** The right option of a 4PL item; null for a polytomous item (its options carry scores). */
  correctKey!: string | null;
  model!: ItemModel;
  a!: number;
  /** A 4PL item's difficulty; for a polytomous item the mean of its thresholds. */
  b!: number;
  c!: number;
  d!: number;
  /** A polytomous item's thresholds; null for a 4PL item. */
  thresholds!: number[] | null;
  contentArea!: string | null;
  /** Its enemy set: never in an exam with another item of the set. */
  enemyGroup!: string | null;
  /** Unscored, being tried out (only at an exam's pretest positions). */
  pretest!: boolean;
  enabled!: boolean;
  /** The current version of its parameters and content (a PATCH of stem, options, correctKey, a, b, c or d adds one). */
  version!: number;
  createdAt!: Date;
  updatedAt!: Date;
}

/** One version of an item's parameters and content: what the exams that used it scored and showed. */
export class ItemVersionView extends PickType(ItemView, ['version', 'stem', 'options', 'correctKey', 'model', 'a', 'b', 'c', 'd', 'thresholds', 'createdAt']) {
  /** The bank version that introduced it: exams started on it or later (until the next version) use it. */
  bankVersion!: number;
}

export class ItemPageView {
  items!: ItemView[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor!: string | null;
}

/** An item as a candidate sees it: never the correct key, never the IRT parameters. */
export class CandidateItemView {
  id!: string;
  stem!: string;
  options!: OptionDto[];
}
