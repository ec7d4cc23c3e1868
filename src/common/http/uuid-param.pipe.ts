import { ParseUUIDPipe } from '@nestjs/common';
import { ApiException } from '../errors/api-exception.js';
import { ErrorCode } from '../errors/error-code.js';

/** Path ids must be UUIDs: anything else is a 400 VALIDATION_FAILED naming the parameter, never a 500. */
export function uuidParam(name: string): ParseUUIDPipe {
  return new ParseUUIDPipe({
    exceptionFactory: () =>
      new ApiException(ErrorCode.VALIDATION_FAILED, `${name} must be a UUID`, [{ field: name, message: 'must be a UUID' }]),
  });
}
