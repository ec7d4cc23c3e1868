import { type ArgumentMetadata, ValidationPipe, type ValidationError } from '@nestjs/common';
import { ApiException } from '../errors/api-exception.js';
import { ErrorCode } from '../errors/error-code.js';
import type { FieldProblem } from '../../irt/index.js';

export type { FieldProblem };

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

/** Far deeper than any DTO (`items.3.options.1.key` is 5 levels down): class-transformer's recursion must not overflow. */
export const MAX_INPUT_DEPTH = 32;
/** More fields than any DTO or `contentBalance` needs; class-transformer is quadratic in an object's key count. */
export const MAX_INPUT_KEYS = 1_000;
/** The longest array any DTO accepts (an import of 10,000 items); longer ones are refused before per-element work. */
export const MAX_INPUT_ARRAY_LENGTH = 10_000;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Postgres text cannot hold U+0000, and a lone surrogate is not Unicode: both would fail in the database as a 500. */
export function textProblem(text: string): string | undefined {
  if (text.includes('\u0000')) return 'must not contain NUL (U+0000) characters';
  if (LONE_SURROGATE.test(text)) return 'must be valid Unicode (no unpaired surrogates)';
  return undefined;
}

/**
 * What class-validator cannot be trusted with, checked before class-transformer sees the input: storable text
 * in every string and field name, bounded nesting, key counts and array lengths. Iterative, so the check
 * cannot overflow the stack itself.
 */
export function structuralProblems(input: unknown, root: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const pending: { value: unknown; field: string; depth: number }[] = [{ value: input, field: '', depth: 0 }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const { value, field, depth } = next;
    const name = field || root;
    if (typeof value === 'string') {
      const problem = textProblem(value);
      if (problem) problems.push({ field: name, message: problem });
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_INPUT_DEPTH) {
      problems.push({ field: name, message: `must not be nested more than ${MAX_INPUT_DEPTH} levels deep` });
      continue;
    }
    if (Array.isArray(value)) {
      if (value.length > MAX_INPUT_ARRAY_LENGTH) {
        problems.push({ field: name, message: `must contain no more than ${MAX_INPUT_ARRAY_LENGTH} elements` });
        continue;
      }
      // Pushed last to first so that problems come out in document order.
      for (let i = value.length - 1; i >= 0; i--) pending.push({ value: value[i], field: field ? `${field}.${i}` : String(i), depth: depth + 1 });
      continue;
    }
    const keys = Object.keys(value);
    if (keys.length > MAX_INPUT_KEYS) {
      problems.push({ field: name, message: `must not have more than ${MAX_INPUT_KEYS} fields` });
      continue;
    }
    for (const key of keys.reverse()) {
      const child = field ? `${field}.${key}` : key;
      const problem = textProblem(key);
      if (problem) problems.push({ field: child, message: `field name ${problem}` });
      else pending.push({ value: (value as Record<string, unknown>)[key], field: child, depth: depth + 1 });
    }
  }
  return problems;
}

/** The structural check on bodies and queries, then the usual DTO validation. */
class ApiValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' || metadata.type === 'query') {
      const problems = structuralProblems(value, metadata.type);
      if (problems.length > 0) throw validationFailed(problems);
    }
    return super.transform(value, metadata);
  }
}

/** Whitelist, reject unknown fields, transform to DTO classes; failures leave as VALIDATION_FAILED. */
export function createValidationPipe(): ValidationPipe {
  return new ApiValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => validationFailed(flattenValidationErrors(errors)),
  });
}
