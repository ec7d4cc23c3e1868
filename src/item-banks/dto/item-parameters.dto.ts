import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsNumber, IsOptional } from 'class-validator';
import { ITEM_MODELS, type ItemModel } from '../../irt/index.js';

/** IRT parameters must be finite numbers (NaN and ±Infinity pass JSON through some clients). */
export const FINITE = { allowNaN: false, allowInfinity: false } as const;

/**
 * The IRT parameters of one item. 4PL (default): a, b, c?, d?. GRM, GPCM, PCM: a (1 for PCM, may be left out) and
 * thresholds t1..tk (strictly increasing for GRM), scored 0..k. Ranges and which fields apply to which model are
 * cross-field rules checked by the service (the engine's validateItemParameters).
 */
export class ItemParametersDto {
  /** Default `4PL`. */
  @ApiProperty({ example: '4PL' })
  @IsOptional()
  @IsIn(ITEM_MODELS)
  model?: ItemModel;

  @ApiProperty({ example: 1.2 })
  @IsOptional()
  @IsNumber(FINITE)
  a?: number;

  /** A 4PL item's difficulty (required for 4PL). */
  @ApiProperty({ example: -0.4 })
  @IsOptional()
  @IsNumber(FINITE)
  b?: number;

  @ApiProperty({ example: 0.2 })
  @IsOptional()
  @IsNumber(FINITE)
  c?: number;

  @ApiProperty({ example: 1 })
  @IsOptional()
  @IsNumber(FINITE)
  d?: number;

  /** A GRM, GPCM or PCM item's thresholds: 1 to 9 (2 to 10 score categories). */
  @ApiProperty({ example: [-1.2, 0.1, 1.3] })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(9)
  @IsNumber(FINITE, { each: true })
  thresholds?: number[];
}
