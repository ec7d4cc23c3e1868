import { ApiProperty, PartialType } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateBy,
  ValidateIf,
  ValidateNested,
} from 'class-validator';

import { MAX_BANDS, MAX_DECIMALS } from '../reporting-scale.js';
import { FINITE, ItemParametersDto } from './item-parameters.dto.js';

export const MAX_ITEMS_PER_IMPORT = 10_000;

/** A performance band: scaled scores from `min` up (to the next band's min) carry `label`. */
export class BandDto {
  @ApiProperty({ example: 500 })
  @IsNumber(FINITE)
  min!: number;

  @ApiProperty({ example: 'Proficient' })
  @IsString()
  @Length(1, 100)
  label!: string;
}

/** How results report θ: slope·θ + intercept, rounded to `decimals`, clamped to [min, max], and banded. */
export class ReportingScaleDto {
  @ApiProperty({ example: 100 })
  @IsNumber(FINITE)
  slope!: number;

  @ApiProperty({ example: 500 })
  @IsNumber(FINITE)
  intercept!: number;

  /** Default 0. */
  @ApiProperty({ example: 0 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_DECIMALS)
  decimals?: number;

  @ApiProperty({ example: 200 })
  @IsOptional()
  @IsNumber(FINITE)
  min?: number;

  @ApiProperty({ example: 800 })
  @IsOptional()
  @IsNumber(FINITE)
  max?: number;

  /** In increasing order of `min`, at most 20. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_BANDS)
  @ValidateNested({ each: true })
  @Type(() => BandDto)
  bands?: BandDto[];
}

export class CreateBankDto {
  @ApiProperty({ example: 'Algebra I' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ReportingScaleDto)
  reportingScale?: ReportingScaleDto;
}

/** PATCH /v1/item-banks/:bankId: `reportingScale: null` removes the scale. */
export class UpdateBankDto {
  @ApiProperty({ example: 'Algebra I (2026)' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsObject()
  @ValidateNested()
  @Type(() => ReportingScaleDto)
  reportingScale?: ReportingScaleDto | null;
}

export class OptionDto {
  @ApiProperty({ example: 'B' })
  @IsString()
  @Length(1, 50)
  key!: string;

  @ApiProperty({ example: '7' })
  @IsString()
  @Length(1, 5_000)
  text!: string;

  /** A polytomous item's score for this option, 0..k (several options may share one); none for a 4PL item. */
  @ApiProperty({ example: 1 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(9)
  score?: number;
}

/** One item to import. Cross-field rules (c < d, correctKey among the keys, …) are checked by the service. */
export class NewItemDto extends ItemParametersDto {
  @ApiProperty({ example: 'alg-1' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  externalId?: string;

  @ApiProperty({ example: '2x + 3 = 17. x = ?' })
  @IsString()
  @Length(1, 20_000)
  stem!: string;

  @IsArray()
  @ArrayMinSize(2)
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => OptionDto)
  options!: OptionDto[];

  /** The right option of a 4PL item (required for 4PL; a polytomous item's options carry scores instead). */
  @ApiProperty({ example: 'B' })
  @IsOptional()
  @IsString()
  @Length(1, 50)
  correctKey?: string;

  @ApiProperty({ example: 'equations' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  contentArea?: string;

  /** Items of one enemy set never appear together in an exam. */
  @ApiProperty({ example: 'linear-equations-1' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  enemyGroup?: string;

  /** Unscored, being tried out: given only at an exam's pretest positions, never selected adaptively. Default false. */
  @ApiProperty({ example: false })
  @IsOptional()
  @IsBoolean()
  pretest?: boolean;
}

export class ImportItemsDto {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_ITEMS_PER_IMPORT)
  @ValidateNested({ each: true })
  @Type(() => NewItemDto)
  items!: NewItemDto[];
}

/** PATCH /v1/items/:itemId: every field optional (a, b, c, d as in an import); `contentArea: null` clears the area. */
export class UpdateItemDto extends PartialType(ItemParametersDto) {
  @ApiProperty({ example: 'alg-1' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  externalId?: string;

  @ApiProperty({ example: '2x + 3 = 17. What is x?' })
  @IsOptional()
  @IsString()
  @Length(1, 20_000)
  stem?: string;

  @IsOptional()
  @IsArray()
  @ArrayMinSize(2)
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => OptionDto)
  options?: OptionDto[];

  /** `null` when the item becomes polytomous. */
  @ApiProperty({ example: 'B' })
  @ValidateIf((dto: UpdateItemDto) => dto.correctKey !== undefined && dto.correctKey !== null)
  @IsString()
  @Length(1, 50)
  correctKey?: string | null;

  @ApiProperty({ example: 'equations' })
  @ValidateIf((dto: UpdateItemDto) => dto.contentArea !== undefined && dto.contentArea !== null)
  @IsString()
  @Length(1, 100)
  contentArea?: string | null;

  /** `null` takes the item out of its enemy set. */
  @ApiProperty({ example: null })
  @ValidateIf((dto: UpdateItemDto) => dto.enemyGroup !== undefined && dto.enemyGroup !== null)
  @IsString()
  @Length(1, 100)
  enemyGroup?: string | null;

  @ApiProperty({ example: false })
  @IsOptional()
  @IsBoolean()
  pretest?: boolean;

  @ApiProperty({ example: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

/** Ordinals are Postgres integers: a larger cursor was never returned as nextCursor (and would fail in the query). */
const MAX_ORDINAL = 2_147_483_647;

const CURSOR_MESSAGE = 'cursor must be a value returned as nextCursor';

function IsOrdinalInRange(): PropertyDecorator {
  return ValidateBy({
    name: 'isOrdinalInRange',
    validator: {
      // The format is @Matches' business; this only bounds a well-formed cursor.
      validate: (value: unknown) => typeof value !== 'string' || !/^\d+$/.test(value) || Number(value) <= MAX_ORDINAL,
      defaultMessage: () => CURSOR_MESSAGE,
    },
  });
}

export class ListItemsQuery {
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value))
  @IsInt()
  @Min(1)
  @Max(1_000)
  limit?: number;

  /** Opaque to clients; it is the last ordinal of the previous page. */
  @IsOptional()
  @Matches(/^\d{1,10}$/, { message: CURSOR_MESSAGE })
  @IsOrdinalInRange()
  cursor?: string;
}
