import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsNumber, IsObject, IsOptional, ValidateNested } from 'class-validator';
import { ESTIMATORS, type EstimatorName } from '../../irt/index.js';
import { FINITE } from '../../item-banks/dto/item-parameters.dto.js';

export class PriorDto {
  @ApiProperty({ example: 0 })
  @IsOptional()
  @IsNumber(FINITE)
  mean?: number;

  @ApiProperty({ example: 1 })
  @IsOptional()
  @IsNumber(FINITE)
  sd?: number;
}

/** The estimation settings shared by exam configs and stateless scoring; ranges come from the engine. */
export class EstimationOptionsDto {
  /** Default EAP. */
  @ApiProperty({ example: 'EAP' })
  @IsOptional()
  @IsIn(ESTIMATORS)
  estimator?: EstimatorName;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => PriorDto)
  prior?: PriorDto;

  @ApiProperty({ type: [Number], example: [-4, 4] })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(2)
  @ArrayMaxSize(2)
  @IsNumber(FINITE, { each: true })
  thetaRange?: [number, number];

  @ApiProperty({ example: 61 })
  @IsOptional()
  @IsInt()
  quadraturePoints?: number;
}
