import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsNumber, IsOptional, Max, Min, ValidateBy, type ValidationArguments } from 'class-validator';
import { FINITE } from './item-parameters.dto.js';

/** θ beyond ±10 is far outside any calibrated scale; the curve there says nothing. */
export const INFORMATION_THETA_LIMIT = 10;
/** Enough for a smooth curve at 0.05 steps over [-10, 10]. */
export const MAX_INFORMATION_POINTS = 401;
export const DEFAULT_INFORMATION_RANGE = { from: -4, to: 4, points: 81 } as const;

/** A query value as a number when it is plainly written as one (no exponent, hex, blanks or Infinity). */
const toNumber = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d{1,3}(\.\d{1,12})?$/.test(value) ? Number(value) : value;

/** `to` above `from` (or above from's default when from is left out). */
function IsAboveFrom(): PropertyDecorator {
  return ValidateBy({
    name: 'isAboveFrom',
    validator: {
      validate: (value: unknown, args?: ValidationArguments) => {
        const from = (args?.object as InformationQuery | undefined)?.from ?? DEFAULT_INFORMATION_RANGE.from;
        return typeof value !== 'number' || typeof from !== 'number' || value > from;
      },
      defaultMessage: () => 'to must be greater than from',
    },
  });
}

/** Information requests one key (or one address, without a client key) may make per minute; identical ones are cached. */
export const INFORMATION_REQUESTS_PER_MINUTE = 60;

/** GET /v1/item-banks/:bankId/information: the θ grid, `points` equally spaced values from `from` to `to`. */
export class InformationQuery {
  @ApiPropertyOptional({ type: Number, minimum: -INFORMATION_THETA_LIMIT, maximum: INFORMATION_THETA_LIMIT, default: DEFAULT_INFORMATION_RANGE.from, example: -3 })
  @IsOptional()
  @Transform(toNumber)
  @IsNumber(FINITE)
  @Min(-INFORMATION_THETA_LIMIT)
  @Max(INFORMATION_THETA_LIMIT)
  from?: number;

  @ApiPropertyOptional({ type: Number, minimum: -INFORMATION_THETA_LIMIT, maximum: INFORMATION_THETA_LIMIT, default: DEFAULT_INFORMATION_RANGE.to, example: 3, description: 'Greater than from' })
  @IsOptional()
  @Transform(toNumber)
  @IsNumber(FINITE)
  @Min(-INFORMATION_THETA_LIMIT)
  @Max(INFORMATION_THETA_LIMIT)
  @IsAboveFrom()
  to?: number;

  @ApiPropertyOptional({ type: Number, minimum: 2, maximum: MAX_INFORMATION_POINTS, default: DEFAULT_INFORMATION_RANGE.points, example: 61 })
  @IsOptional()
  @Transform(toNumber)
  @IsInt()
  @Min(2)
  @Max(MAX_INFORMATION_POINTS)
  points?: number;
}
