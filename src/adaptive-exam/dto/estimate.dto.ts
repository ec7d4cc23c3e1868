import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsInt, Max, Min, ValidateNested } from 'class-validator';
import { EstimationOptionsDto } from './estimation-options.dto.js';
import { ItemParametersDto } from '../../item-banks/dto/item-parameters.dto.js';

/** POST /v1/estimate: stateless scoring of a response pattern. */
export class EstimateDto extends EstimationOptionsDto {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10_000)
  @ValidateNested({ each: true })
  @Type(() => ItemParametersDto)
  items!: ItemParametersDto[];

  /** One score per item: 1/0 for a 4PL item (right/wrong), 0..k for a polytomous item with k thresholds. */
  @ApiProperty({ example: [1, 0, 1] })
  @IsArray()
  @ArrayMaxSize(10_000)
  @IsInt({ each: true })
  @Min(0, { each: true })
  @Max(9, { each: true })
  responses!: number[];
}
