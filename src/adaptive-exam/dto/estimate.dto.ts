import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, ValidateNested } from 'class-validator';
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

  @IsArray()
  @ArrayMaxSize(10_000)
  @IsIn([0, 1], { each: true, message: 'each value in responses must be 0 or 1' })
  responses!: (0 | 1)[];
}
