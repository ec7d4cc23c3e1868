import type { FastifyServerOptions } from 'fastify';
import { validationFailed, type FieldProblem, textProblem } from './validation.js';

/**
 * JSON Schema validation (Fastify's compiled ajv) for the routes that declare a schema — the answer route, which
 * is too hot for class-validator. Errors leave in the same shape as class-validator's: VALIDATION_FAILED with
 * `{ field, message }` details.
 */

export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

/** The string rules every route applies (see `structuralProblems`): no NUL, no unpaired surrogates. */
export const STORABLE_TEXT = 'storable-text';

const PATTERN_MESSAGES: Record<string, string> = { [UUID_PATTERN]: 'must be a UUID' };

interface SchemaError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
  data?: unknown;
}

function fieldOf(error: SchemaError): string {
  const path = error.instancePath.split('/').filter(Boolean).join('.');
  const child = (error.params.missingProperty ?? error.params.additionalProperty) as string | undefined;
  return child === undefined ? path : path ? `${path}.${child}` : child;
}

function messageOf(error: SchemaError): string {
  switch (error.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not allowed here';
    case 'type':
      return `must be of type ${String(error.params.type)}`;
    case 'maxLength':
      return `must be at most ${String(error.params.limit)} characters long`;
    case 'minLength':
      return `must be at least ${String(error.params.limit)} characters long`;
    case 'pattern':
      return PATTERN_MESSAGES[String(error.params.pattern)] ?? 'is not in the expected format';
    case 'format':
      return error.params.format === STORABLE_TEXT ? 'must be valid Unicode text without NUL characters' : `must be a ${String(error.params.format)}`;
    default:
      return error.message ?? 'is invalid';
  }
}

type AjvPlugin = Extract<NonNullable<NonNullable<FastifyServerOptions['ajv']>['plugins']>[number], (...args: never[]) => unknown>;

const storableText: AjvPlugin = (ajv) => ajv.addFormat(STORABLE_TEXT, { type: 'string', validate: (value: string) => textProblem(value) === undefined });

/** Fastify options that make schema validation strict (no coercion, no silent stripping) and report like the rest. */
export const jsonSchemaOptions: Pick<FastifyServerOptions, 'ajv' | 'schemaErrorFormatter'> = {
  ajv: {
    // Fastify's defaults coerce types and strip unknown fields; a hostile client deserves a 400 instead.
    customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: true },
    plugins: [storableText],
  },
  schemaErrorFormatter: (errors) =>
    validationFailed((errors as SchemaError[]).map((error): FieldProblem => {
      const field = fieldOf(error);
      return { field, message: `${field} ${messageOf(error)}` };
    })),
};
