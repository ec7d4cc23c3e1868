import { Type } from 'class-transformer';
import { IsObject, IsOptional, IsString, Length, ValidateNested } from 'class-validator';
import { ExamConfigDto } from '../../adaptive-exam/dto/exam.dto.js';

/** POST /v1/item-banks/:bankId/test-definitions. */
export class CreateTestDefinitionDto {
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
  id!: string;
  bankId!: string;
  name!: string;
  /** 1 on creation, one more on every PATCH. */
  revision!: number;
  config!: ExamConfigDto;
  createdAt!: Date;
  updatedAt!: Date;
}
