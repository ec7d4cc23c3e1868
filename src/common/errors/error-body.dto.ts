import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiResponse } from '@nestjs/swagger';
import { ErrorCode, HTTP_STATUS_OF } from './error-code.js';

/** The error shape, for the OpenAPI document (the filter builds the same object). */
export class ErrorBodyDto {
  @ApiProperty({ example: 400 })
  statusCode!: number;

  @ApiProperty({ enum: Object.values(ErrorCode), example: ErrorCode.VALIDATION_FAILED })
  code!: ErrorCode;

  @ApiProperty({ example: 'Invalid request: a must be a number' })
  message!: string;

  @ApiProperty({ required: false, description: 'For VALIDATION_FAILED: `[{ field, message }]` with dotted paths.' })
  details?: unknown;
}

// Any route can meet these: bad input, a rate limit, a database outage, or a bug.
const ALWAYS: ErrorCode[] = [ErrorCode.VALIDATION_FAILED, ErrorCode.TOO_MANY_REQUESTS, ErrorCode.DATABASE_UNAVAILABLE, ErrorCode.INTERNAL_ERROR];

/** Documents the error codes a route can answer with, grouped by HTTP status. */
export function ApiErrors(...codes: ErrorCode[]): MethodDecorator & ClassDecorator {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set([...codes, ...ALWAYS])) {
    const status = HTTP_STATUS_OF[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return applyDecorators(
    ...[...byStatus].map(([status, group]) =>
      ApiResponse({ status, type: ErrorBodyDto, description: `Error codes: ${group.join(', ')}` }),
    ),
  );
}
