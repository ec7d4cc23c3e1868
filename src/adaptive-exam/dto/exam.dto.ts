import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Max,
  Min,
  ValidateBy,
  ValidateNested,
  type ValidationOptions,
} from 'class-validator';
import { EstimationOptionsDto } from './estimation-options.dto.js';
import { FINITE } from '../../item-banks/dto/item-parameters.dto.js';
import { EXAMPLE } from '../../common/http/api-examples.js';

export const LAST_PROFICIENCY = 'lastProficiency';

/**
 * What a candidate sees of the estimate: `none` (answered and done), `progress` (also minItems and maxItems) or
 * `theta` (also θ and SE after every answer). θ moving after each answer tells a candidate which answers were right,
 * so `progress` is the default.
 */
export const FEEDBACK_MODES = ['none', 'progress', 'theta'] as const;
export type FeedbackMode = (typeof FEEDBACK_MODES)[number];

function IsStartTheta(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isStartTheta',
      validator: {
        validate: (value: unknown) => value === LAST_PROFICIENCY || (typeof value === 'number' && Number.isFinite(value)),
        defaultMessage: () => `startTheta must be a finite number or "${LAST_PROFICIENCY}"`,
      },
    },
    options,
  );
}

export class SelectionDto {
  @ApiProperty({ example: 'MFI' })
  @IsOptional()
  @IsIn(['MFI'])
  rule?: 'MFI';

  @ApiProperty({ example: 3 })
  @IsOptional()
  @IsInt()
  randomesque?: number;

  /** `{ area: proportion }`; the proportions are checked by the engine's config validation. */
  @ApiProperty({ example: { algebra: 0.6, geometry: 0.4 } })
  @IsOptional()
  @IsObject()
  contentBalance?: Record<string, number>;

  /** Item-eligibility exposure control: the largest exposure rate wanted for any item, in (0, 1]. */
  @ApiProperty({ example: 0.25 })
  @IsOptional()
  @IsNumber(FINITE)
  maxExposure?: number;

  /** `cut`: information at the cut score nearest θ̂ (with classification); default `theta`. */
  @ApiProperty({ example: 'theta' })
  @IsOptional()
  @IsIn(['theta', 'cut'])
  target?: 'theta' | 'cut';

  /** Sympson–Hetter exposure control with the bank's K (see POST /v1/item-banks/:bankId/exposure-control). */
  @ApiProperty({ example: false })
  @IsOptional()
  @IsBoolean()
  sympsonHetter?: boolean;
}

/** Classification stopping: ranges and order are checked by the engine's config validation. */
export class ClassificationDto {
  /** 1 to 10 cut scores on the θ scale, increasing. */
  @ApiProperty({ example: [-0.5, 0.8] })
  @IsArray()
  @ArrayMaxSize(10)
  @IsNumber(FINITE, { each: true })
  cutScores!: number[];

  /** Default 0.95. */
  @ApiProperty({ example: 0.95 })
  @IsOptional()
  @IsNumber(FINITE)
  confidence?: number;

  /** `CI` (default): the confidence interval around θ̂ excludes every cut; `SPRT`: the likelihood-ratio test decides. */
  @ApiProperty({ example: 'CI' })
  @IsOptional()
  @IsIn(['CI', 'SPRT'])
  method?: 'CI' | 'SPRT';

  /** SPRT's indifference region half-width δ around each cut, default 0.2. */
  @ApiProperty({ example: 0.2 })
  @IsOptional()
  @IsNumber(FINITE)
  indifference?: number;

  /** One label per band (cutScores.length + 1), lowest first. */
  @ApiProperty({ example: ['Fail', 'Pass', 'Distinction'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(11)
  @IsString({ each: true })
  labels?: string[];
}

/** Unscored pretest items in the exam: how many, and optionally at which positions (1-based). */
export class PretestDto {
  @ApiProperty({ example: 2 })
  @IsInt()
  count!: number;

  @ApiProperty({ example: [3, 7] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsInt({ each: true })
  positions?: number[];
}

/** Shapes and types only; ranges and cross-field rules come from the engine's `validateExamConfig`. */
export class ExamConfigDto extends EstimationOptionsDto {
  @ApiProperty({ oneOf: [{ type: 'number' }, { type: 'string', enum: [LAST_PROFICIENCY] }], example: 0 })
  @IsOptional()
  @IsStartTheta()
  startTheta?: number | typeof LAST_PROFICIENCY;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => SelectionDto)
  selection?: SelectionDto;

  @ApiProperty({ example: 5 })
  @IsOptional()
  @IsInt()
  minItems?: number;

  /** Capped so an exam's history stays small in Redis and in replay. */
  @ApiProperty({ example: 20 })
  @IsOptional()
  @IsInt()
  @Max(1_000)
  maxItems?: number;

  @ApiProperty({ example: 0.3 })
  @IsOptional()
  @IsNumber(FINITE)
  seThreshold?: number;

  /** Default `progress`. */
  @ApiProperty({ example: 'progress' })
  @IsOptional()
  @IsIn(FEEDBACK_MODES)
  feedback?: FeedbackMode;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ClassificationDto)
  classification?: ClassificationDto;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => PretestDto)
  pretest?: PretestDto;

  /** Leave out the items this candidate answered in earlier exams on the bank. Default false. */
  @ApiProperty({ example: false })
  @IsOptional()
  @IsBoolean()
  excludeSeenItems?: boolean;
}

/**
 * POST /v1/exams, in one of three forms: `{ launchToken }` (no key: the candidate's browser), `{ testDefinitionId,
 * candidateId }` (a key with exams:launch), or `{ bankId, candidateId, config? }` (a key with exams:launch and
 * exams:custom; such an exam never writes the candidate's proficiency).
 */
export class StartExamDto {
  @ApiProperty({ example: EXAMPLE.launchToken })
  @IsOptional()
  @IsString()
  @Length(43, 128)
  launchToken?: string;

  @ApiProperty({ example: EXAMPLE.testDefinitionId })
  @IsOptional()
  @IsUUID()
  testDefinitionId?: string;

  @ApiProperty({ example: EXAMPLE.bankId })
  @IsOptional()
  @IsUUID()
  bankId?: string;

  @ApiProperty({ example: EXAMPLE.candidateId })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  candidateId?: string;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ExamConfigDto)
  config?: ExamConfigDto;
}

/** POST /v1/launches. */
export class CreateLaunchDto {
  @ApiProperty({ example: EXAMPLE.testDefinitionId })
  @IsUUID()
  testDefinitionId!: string;

  @ApiProperty({ example: EXAMPLE.candidateId })
  @IsString()
  @Length(1, 200)
  candidateId!: string;

  /** How long the launch token can be redeemed; at most 900, default 300. */
  @ApiProperty({ example: 300 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(900)
  ttlSeconds?: number;
}

/**
 * POST /v1/exams/:examId/answers. Validated by the route's JSON schema (see answer.schema.ts), not class-validator:
 * this class only describes the body in the OpenAPI document.
 */
export class SubmitAnswerDto {
  @ApiProperty({ format: 'uuid', description: 'The id of the item being shown', example: EXAMPLE.itemId })
  itemId!: string;

  @ApiProperty({ minLength: 1, maxLength: 50, description: "One of the item's option keys", example: 'B' })
  answer!: string;
}
