import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/**
 * The OpenAPI 3 document, generated from the controllers and DTOs (the @nestjs/swagger compiler plugin reads
 * their types and class-validator rules at build time): Swagger UI at /docs, JSON at /docs-json.
 */
export function setupOpenApi(app: NestFastifyApplication): void {
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
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml' });
}
