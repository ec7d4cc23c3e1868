import { ApiProperty, PickType } from '@nestjs/swagger';
import type { ItemModel } from '../../irt/index.js';
import { BandDto, OptionDto } from './item-bank.dto.js';
import { EXAMPLE } from '../../common/http/api-examples.js';

/**
 * Response bodies of the bank and item routes. Classes (not interfaces) so that the OpenAPI document describes
 * them; the services build plain objects of these shapes.
 */

export class BankView {
  @ApiProperty({ example: EXAMPLE.bankId })
  id!: string;
  @ApiProperty({ example: 'Algebra I' })
  name!: string;
  @ApiProperty({ example: 240 })
  itemCount!: number;
  @ApiProperty({ example: 7 })
  version!: number;
  /** How results report θ; null: θ only. */
  reportingScale!: ReportingScaleView | null;
}

export class ReportingScaleView {
  @ApiProperty({ example: 100 })
  slope!: number;
  @ApiProperty({ example: 500 })
  intercept!: number;
  @ApiProperty({ example: 0 })
  decimals!: number;
  @ApiProperty({ example: 200 })
  min!: number | null;
  @ApiProperty({ example: 800 })
  max!: number | null;
  // Documented as BandDto (the same shape): an inline object type loses its example in the document.
  @ApiProperty({ type: [BandDto], example: [{ min: 200, label: 'Basic' }, { min: 500, label: 'Proficient' }, { min: 650, label: 'Advanced' }] })
  bands!: { min: number; label: string }[];
}

export class BankPageView {
  banks!: BankView[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  @ApiProperty({ type: String, nullable: true, example: EXAMPLE.bankId })
  nextCursor!: string | null;
}

export class CreatedBankView extends BankView {
  @ApiProperty({ example: EXAMPLE.createdAt })
  createdAt!: Date;
}

export class ImportResultView {
  @ApiProperty({ example: 240 })
  created!: number;
  @ApiProperty({ example: 2 })
  bankVersion!: number;
}

/** An item as an admin sees it: everything, including the key and the IRT parameters. */
export class ItemView {
  @ApiProperty({ example: EXAMPLE.itemId })
  id!: string;
  @ApiProperty({ example: EXAMPLE.bankId })
  bankId!: string;
  @ApiProperty({ example: 'alg-1' })
  externalId!: string;
  @ApiProperty({ example: 1 })
  ordinal!: number;
  @ApiProperty({ example: '2x + 3 = 17. x = ?' })
  stem!: string;
  options!: OptionDto[];
  /** The right option of a 4PL item; null for a polytomous item (its options carry scores). */
  @ApiProperty({ example: 'B' })
  correctKey!: string | null;
  @ApiProperty({ example: '4PL' })
  model!: ItemModel;
  @ApiProperty({ example: 1.2 })
  a!: number;
  /** A 4PL item's difficulty; for a polytomous item the mean of its thresholds. */
  @ApiProperty({ example: -0.4 })
  b!: number;
  @ApiProperty({ example: 0.2 })
  c!: number;
  @ApiProperty({ example: 1 })
  d!: number;
  /** A polytomous item's thresholds; null for a 4PL item. */
  @ApiProperty({ example: null })
  thresholds!: number[] | null;
  @ApiProperty({ example: 'equations' })
  contentArea!: string | null;
  /** Its enemy set: never in an exam with another item of the set. */
  @ApiProperty({ example: null })
  enemyGroup!: string | null;
  /** Unscored, being tried out (only at an exam's pretest positions). */
  @ApiProperty({ example: false })
  pretest!: boolean;
  @ApiProperty({ example: true })
  enabled!: boolean;
  /** The current version of its parameters and content (a PATCH of stem, options, correctKey, a, b, c or d adds one). */
  @ApiProperty({ example: 1 })
  version!: number;
  @ApiProperty({ example: EXAMPLE.createdAt })
  createdAt!: Date;
  @ApiProperty({ example: EXAMPLE.updatedAt })
  updatedAt!: Date;
}

/** One version of an item's parameters and content: what the exams that used it scored and showed. */
export class ItemVersionView extends PickType(ItemView, ['version', 'stem', 'options', 'correctKey', 'model', 'a', 'b', 'c', 'd', 'thresholds', 'createdAt']) {
  /** The bank version that introduced it: exams started on it or later (until the next version) use it. */
  @ApiProperty({ example: 2 })
  bankVersion!: number;
}

export class ItemPageView {
  items!: ItemView[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  @ApiProperty({ example: '1000' })
  nextCursor!: string | null;
}

/** An item as a candidate sees it: never the correct key, never the IRT parameters. */
export class CandidateItemView {
  @ApiProperty({ example: EXAMPLE.itemId })
  id!: string;
  @ApiProperty({ example: '2x + 3 = 17. x = ?' })
  stem!: string;
  options!: OptionDto[];
}
