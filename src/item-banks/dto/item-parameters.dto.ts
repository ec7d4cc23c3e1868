import { IsNumber, IsOptional } from 'class-validator';

/** IRT parameters must be finite numbers (NaN and ±Infinity pass JSON through some clients). */
export const FINITE = { allowNaN: false, allowInfinity: false } as const;

/** a, b, c, d of one item; ranges (a > 0, 0 ≤ c < d ≤ 1) are cross-field rules checked by the service. */
export class ItemParametersDto {
  @IsNumber(FINITE)
  a!: number;

  @IsNumber(FINITE)
  b!: number;

  @IsOptional()
  @IsNumber(FINITE)
  c?: number;

  @IsOptional()
  @IsNumber(FINITE)
  d?: number;
}
