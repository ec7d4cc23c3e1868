import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

/**
 * The OpenAPI 3 document, generated from the controllers and DTOs (the @nestjs/swagger compiler plugin reads
 * their types and class-validator rules at build time). The one source of both /docs-json and the committed
 * openapi.json (scripts/export-openapi.ts).
 */
export function createOpenApiDocument(app: NestFastifyApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Adaptive testing backend')
    .setDescription(
      'Computerized adaptive testing over REST. Every error is `{ statusCode, code, message, details? }` with a ' +
        'stable `code`; each route lists the codes it can return.',
    )
    .setVersion('1')
    .addApiKey(
      {
        type: 'apiKey',
        in: 'header',
        name: 'x-api-key',
        description:
          'A platform client\'s key (`cat_<prefix>_<secret>`), or ADMIN_API_KEY (the root key, scope admin). Each route ' +
          'lists the scopes it needs; `admin` holds them all.',
      },
      'client-key',
    )
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', bearerFormat: 'opaque', description: 'The exam token returned by POST /v1/exams (opaque, 43 characters)' },
      'exam-token',
    )
    .build();
  return SwaggerModule.createDocument(app, config);
}

/** Swagger UI at /docs, JSON at /docs-json, YAML at /docs-yaml. */
export function setupOpenApi(app: NestFastifyApplication): void {
  SwaggerModule.setup('docs', app, createOpenApiDocument(app), { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml' });
}

/** Object keys in code-unit order, at every level (values after toJSON, so dates stay strings). */
function sortedKeys(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * openapi.json as committed: keys sorted at every level (the document's own order follows module and decorator
 * order, which says nothing about the contract), 2-space indent, trailing newline, so diffs show contract changes.
 */
export function serializeOpenApiDocument(document: unknown): string {
  return `${JSON.stringify(document, sortedKeys, 2)}\n`;
}
