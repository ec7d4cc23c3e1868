import { ApiProperty } from '@nestjs/swagger';
import { EXAMPLE } from '../../common/http/api-examples.js';

/** Response body of GET /v1/item-banks/:bankId/information. */

export class InformationPointView {
  @ApiProperty({ example: 0.5 })
  theta!: number;
  /** Test information: the sum of the operational items' Fisher information at θ. */
  @ApiProperty({ example: 25.1 })
  information!: number;
  /** 1/√information, the smallest standard error a test of every operational item could reach at θ; null where the information is 0. */
  @ApiProperty({ type: Number, nullable: true, example: 0.1996 })
  se!: number | null;
}

/** Items by role: only `operational` ones (enabled, not pretest) are selected adaptively, so only they count. */
export class ItemRoleCountsView {
  @ApiProperty({ example: 236 })
  operational!: number;
  /** Enabled pretest items: unscored, no part of θ. */
  @ApiProperty({ example: 3 })
  pretest!: number;
  /** Disabled items (pretest or not): never given. */
  @ApiProperty({ example: 1 })
  disabled!: number;
}

export class ContentAreaCountsView extends ItemRoleCountsView {
  /** null: the items without a content area. */
  @ApiProperty({ type: String, nullable: true, example: 'equations' })
  area!: string | null;
}

export class BankInformationView {
  @ApiProperty({ example: EXAMPLE.bankId })
  bankId!: string;
  /** The bank version the curve was computed from. */
  @ApiProperty({ example: 7 })
  version!: number;
  items!: ItemRoleCountsView;
  /** By area name, the items without an area last. */
  contentAreas!: ContentAreaCountsView[];
  points!: InformationPointView[];
}
