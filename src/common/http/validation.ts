import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { ApiException } from '../errors/api-exception.js';
import { ErrorCode } from '../errors/error-code.js';

export interface FieldProblem {
  /** Dotted path of the offending field, e.g. `items.3.a`. */
  field: string;
  message: string;
}

/** Flattens class-validator's nested errors into one list of `{ field, message }`. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldProblem[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}

export function validationFailed(problems: FieldProblem[]): ApiException {
  const summary = problems
    .slice(0, 3)
    .map((p) => p.message)
    .join('; ');
  const more = problems.length > 3 ? ` (and ${problems.length - 3} more)` : '';
  return new ApiException(ErrorCode.VALIDATION_FAILED, `Invalid request: ${summary}${more}`, problems);
}

/** Whitelist, reject unknown fields, transform to DTO classes; failures leave as VALIDATION_FAILED. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => validationFailed(flattenValidationErrors(errors)),
  });
}
