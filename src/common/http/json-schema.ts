import { Ajv, type SchemaObject } from 'ajv';
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

/** Fastify's defaults coerce types and strip unknown fields; a hostile client deserves a 400 instead. */
const STRICT = { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: true } as const;

/** Schema errors as `{ field, message }`, fields under `parent` (e.g. `items.12`) when given. */
function problemsOf(errors: readonly SchemaError[], parent = ''): FieldProblem[] {
  return errors.map((error) => {
    const own = fieldOf(error);
    const field = parent && own ? `${parent}.${own}` : parent || own;
    return { field, message: `${field} ${messageOf(error)}` };
  });
}

/** Fastify options that make schema validation strict (no coercion, no silent stripping) and report like the rest. */
export const jsonSchemaOptions: Pick<FastifyServerOptions, 'ajv' | 'schemaErrorFormatter'> = {
  ajv: { customOptions: STRICT, plugins: [storableText] },
  schemaErrorFormatter: (errors) => validationFailed(problemsOf(errors as SchemaError[])),
};

/**
 * A compiled validator with the routes' rules, for input checked inside a service (after authentication, or piece
 * by piece): the problems of one value, fields named under `parent`; empty when it is valid.
 */
export function compileSchema(schema: SchemaObject): (value: unknown, parent?: string) => FieldProblem[] {
  const ajv = new Ajv(STRICT);
  storableText(ajv as never, {});
  const validate = ajv.compile(schema);
  return (value, parent) => (validate(value) ? [] : problemsOf((validate.errors ?? []) as SchemaError[], parent));
}
