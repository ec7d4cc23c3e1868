import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ErrorCode, HTTP_STATUS_OF } from './error-code.js';

/** The error shape, for the OpenAPI document (the filter builds the same object). */
export class ErrorBodyDto {
  @ApiProperty({ example: 400 })
  statusCode!: number;

  @ApiProperty({ enum: Object.values(ErrorCode), example: ErrorCode.VALIDATION_FAILED })
  code!: ErrorCode;

  @ApiProperty({ example: 'Invalid request: a must be a number' })
  message!: string;

  @ApiProperty({
    required: false,
    description: 'For VALIDATION_FAILED: `[{ field, message }]` with dotted paths.',
    // Any JSON: the field problems, or what a failed health check reported.
    oneOf: [
      {
        type: 'array',
        items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } }, required: ['field', 'message'] },
      },
      { type: 'object', additionalProperties: true },
    ],
    example: [{ field: 'a', message: 'a must be a number conforming to the specified constraints' }],
  })
  details?: unknown;
}

// Any route can meet these: bad input, a rate limit, a database outage, or a bug.
const ALWAYS: ErrorCode[] = [ErrorCode.VALIDATION_FAILED, ErrorCode.TOO_MANY_REQUESTS, ErrorCode.DATABASE_UNAVAILABLE, ErrorCode.INTERNAL_ERROR];

/** A message of the kind each code comes with, for the documented examples (clients branch on the code, not the message). */
const EXAMPLE_MESSAGES: Record<ErrorCode, string> = {
  VALIDATION_FAILED: 'Invalid request: name must be longer than or equal to 1 characters',
  UNAUTHORIZED: 'A valid x-api-key header is required',
  FORBIDDEN: 'This key lacks the scope banks:write',
  NOT_FOUND: 'Item bank not found',
  METHOD_NOT_ALLOWED: 'Method not allowed',
  PAYLOAD_TOO_LARGE: 'Request body is larger than the 5 MB limit',
  UNSUPPORTED_MEDIA_TYPE: 'Unsupported Media Type: text/plain',
  CONFLICT: 'A calibration of this bank is running',
  NOT_CURRENT_ITEM: 'itemId is not the item being shown',
  ALREADY_ANSWERED: 'This item was already answered with a different answer',
  SUBMISSION_IN_PROGRESS: 'Another submission for this exam is being processed, retry shortly',
  EXAM_FINISHED: 'The exam is finished',
  EXAM_EXPIRED: 'The exam expired after being idle too long',
  LAUNCH_TOKEN_USED: 'The launch token was used already',
  LAUNCH_TOKEN_EXPIRED: 'The launch token expired',
  TOO_MANY_REQUESTS: 'Too many requests: retry after 12 s',
  DATABASE_UNAVAILABLE: 'The database is unavailable, try again shortly',
  SERVICE_UNAVAILABLE: 'This instance is shutting down, retry the request',
  INTERNAL_ERROR: 'Internal server error',
};

const EXAMPLE_DETAILS: Partial<Record<ErrorCode, unknown>> = {
  VALIDATION_FAILED: [{ field: 'name', message: 'name must be longer than or equal to 1 characters' }],
};

/**
 * One response per HTTP status, in the one error shape, with an example of each code it groups. A schema reference
 * rather than a type: it replaces, rather than merges with, a schema another decorator documented for the status.
 */
export function ApiErrorResponse(status: number, codes: ErrorCode[]): MethodDecorator & ClassDecorator {
  const examples = Object.fromEntries(
    codes.map((code) => {
      const details = EXAMPLE_DETAILS[code];
      return [code, { summary: code, value: { statusCode: status, code, message: EXAMPLE_MESSAGES[code], ...(details === undefined ? {} : { details }) } }];
    }),
  );
  return applyDecorators(
    ApiExtraModels(ErrorBodyDto),
    ApiResponse({ status, schema: { $ref: getSchemaPath(ErrorBodyDto) }, description: `Error codes: ${codes.join(', ')}`, examples }),
  );
}

/** Documents the error codes a route can answer with, grouped by HTTP status. */
export function ApiErrors(...codes: ErrorCode[]): MethodDecorator & ClassDecorator {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set([...codes, ...ALWAYS])) {
    const status = HTTP_STATUS_OF[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return applyDecorators(...[...byStatus].map(([status, group]) => ApiErrorResponse(status, group)));
}
