import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';
import { EXAMPLE } from '../../common/http/api-examples.js';

export const MAX_BANK_PAGE_SIZE = 100;

/** GET /v1/item-banks: banks in id order, a page at a time. */
export class ListBanksQuery {
  /** 1–100, default 50. */
  @ApiPropertyOptional({ type: Number, minimum: 1, maximum: MAX_BANK_PAGE_SIZE, default: 50, example: 20 })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' && /^\d{1,4}$/.test(value) ? Number(value) : value))
  @IsInt()
  @Min(1)
  @Max(MAX_BANK_PAGE_SIZE)
  limit?: number;

  /** Opaque to clients: pass back the previous page's nextCursor (it is the last bank id of that page). */
  @ApiPropertyOptional({ example: EXAMPLE.bankId })
  @IsOptional()
  @IsUUID(undefined, { message: 'cursor must be a value returned as nextCursor' })
  cursor?: string;
}
