import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsNumber, IsObject, IsOptional, Max, Min, ValidateNested } from 'class-validator';
import { ExamConfigDto } from '../../adaptive-exam/dto/exam.dto.js';

export { ListItemsQuery as ExposurePageQuery } from '../../item-banks/dto/item-bank.dto.js';

export const MAX_SIMULEES = 10_000;
export const MAX_ITERATIONS = 50;

/** POST /v1/item-banks/:bankId/exposure-control: a Sympson–Hetter calibration of the bank. */
export class StartExposureControlDto {
  /** The largest exposure rate wanted for any item, in (0, 1]. */
  @ApiProperty({ example: 0.25 })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.01)
  @Max(1)
  targetRate!: number;

  /** Simulated candidates per iteration, default 1,000. */
  @ApiProperty({ example: 1000 })
  @IsOptional()
  @IsInt()
  @Min(100)
  @Max(MAX_SIMULEES)
  simulees?: number;

  /** Iterations at most (it stops earlier once every rate is within 0.01 of the target), default 10. */
  @ApiProperty({ example: 10 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_ITERATIONS)
  maxIterations?: number;

  /** The exam config simulated (the one the bank's exams use); default: the default config. */
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ExamConfigDto)
  config?: ExamConfigDto;
}
