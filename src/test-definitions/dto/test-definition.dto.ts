import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsObject, IsOptional, IsString, Length, ValidateNested } from 'class-validator';
import { ExamConfigDto } from '../../adaptive-exam/dto/exam.dto.js';
import { EXAMPLE } from '../../common/http/api-examples.js';

/** POST /v1/item-banks/:bankId/test-definitions. */
export class CreateTestDefinitionDto {
  @ApiProperty({ example: 'Algebra placement' })
  @IsString()
  @Length(1, 200)
  name!: string;

  /** An exam config (see POST /v1/exams); `feedback: "theta"` must be asked for here to show θ to candidates. */
  @IsObject()
  @ValidateNested()
  @Type(() => ExamConfigDto)
  config!: ExamConfigDto;
}

/** PATCH /v1/test-definitions/:definitionId: a new revision; exams already running keep theirs. */
export class UpdateTestDefinitionDto {
  @ApiProperty({ example: 'Algebra placement (short)' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ExamConfigDto)
  config?: ExamConfigDto;
}

export class TestDefinitionView {
  @ApiProperty({ example: EXAMPLE.testDefinitionId })
  id!: string;
  @ApiProperty({ example: EXAMPLE.bankId })
  bankId!: string;
  @ApiProperty({ example: 'Algebra placement' })
  name!: string;
  /** 1 on creation, one more on every PATCH. */
  @ApiProperty({ example: 3 })
  revision!: number;
  config!: ExamConfigDto;
  @ApiProperty({ example: EXAMPLE.createdAt })
  createdAt!: Date;
  @ApiProperty({ example: EXAMPLE.updatedAt })
  updatedAt!: Date;
}
