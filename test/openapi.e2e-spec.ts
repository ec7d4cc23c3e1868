import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { serializeOpenApiDocument } from '../src/common/http/openapi.js';
import { PROJECT_ROOT } from './setup/test-env.js';
import { spawnServer, stopServer } from './support/server-process.js';

interface Schema {
  $ref?: string;
  example?: unknown;
  examples?: unknown;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  type?: string;
  items?: Schema;
  properties?: Record<string, Schema>;
}

interface MediaType {
  schema?: Schema;
  example?: unknown;
  examples?: Record<string, { value: unknown }>;
}

interface Operation {
  operationId?: string;
  summary?: string;
  parameters?: { in: string; name: string }[];
  requestBody?: { content: Record<string, MediaType> };
  responses: Record<string, { description?: string; content?: Record<string, MediaType> }>;
  security?: unknown[];
}

interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema>; securitySchemes: Record<string, unknown> };
}

/** Every route of the v1 contract, with the error codes it must document. */
const CONTRACT: [string, string, string[]][] = [
  ['post', '/v1/item-banks', ['VALIDATION_FAILED', 'UNAUTHORIZED', 'FORBIDDEN']],
  ['get', '/v1/item-banks/{bankId}', ['UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND']],
  ['get', '/v1/item-banks', ['VALIDATION_FAILED', 'UNAUTHORIZED', 'FORBIDDEN']],
  ['get', '/v1/item-banks/{bankId}/information', ['VALIDATION_FAILED', 'UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND']],
  ['post', '/v1/item-banks/{bankId}/items', ['VALIDATION_FAILED', 'UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND', 'PAYLOAD_TOO_LARGE']],
  ['get', '/v1/item-banks/{bankId}/items', ['UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND']],
  ['patch', '/v1/items/{itemId}', ['VALIDATION_FAILED', 'UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND']],
  ['post', '/v1/item-banks/{bankId}/test-definitions', ['VALIDATION_FAILED', 'UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND']],
  ['get', '/v1/item-banks/{bankId}/test-definitions', ['UNAUTHORIZED', 'FORBIDDEN']],
  ['get', '/v1/test-definitions/{definitionId}', ['UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND']],
  ['patch', '/v1/test-definitions/{definitionId}', ['VALIDATION_FAILED', 'UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND']],
  ['post', '/v1/launches', ['VALIDATION_FAILED', 'UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND']],
  ['post', '/v1/exams', ['VALIDATION_FAILED', 'UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND', 'LAUNCH_TOKEN_USED', 'LAUNCH_TOKEN_EXPIRED']],
  ['get', '/v1/exams/{examId}', ['UNAUTHORIZED', 'EXAM_EXPIRED']],
  [
    'post',
    '/v1/exams/{examId}/answers',
    ['NOT_CURRENT_ITEM', 'ALREADY_ANSWERED', 'SUBMISSION_IN_PROGRESS', 'EXAM_FINISHED', 'EXAM_EXPIRED', 'UNAUTHORIZED'],
  ],
  ['post', '/v1/exams/{examId}/finish', ['UNAUTHORIZED', 'EXAM_EXPIRED']],
  ['get', '/v1/exams/{examId}/result', ['UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND']],
  ['post', '/v1/exams/{examId}/revoke', ['UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND']],
  ['post', '/v1/candidates/{candidateId}/revoke', ['UNAUTHORIZED', 'FORBIDDEN']],
  ['post', '/v1/estimate', ['VALIDATION_FAILED', 'UNAUTHORIZED', 'FORBIDDEN']],
  ['get', '/v1/admin/stats', ['UNAUTHORIZED', 'FORBIDDEN']],
  ['post', '/v1/admin/sessions/cleanup', ['UNAUTHORIZED', 'FORBIDDEN']],
  ['post', '/v1/admin/retention/purge', ['UNAUTHORIZED', 'FORBIDDEN', 'CONFLICT']],
  ['post', '/v1/admin/clients', ['VALIDATION_FAILED', 'UNAUTHORIZED', 'FORBIDDEN']],
  ['get', '/v1/admin/clients', ['UNAUTHORIZED', 'FORBIDDEN']],
  ['post', '/v1/admin/clients/{clientId}/rotate', ['UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND']],
  ['delete', '/v1/admin/clients/{clientId}', ['UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND']],
  ['get', '/v1/demo', []],
  ['post', '/v1/demo/launches', ['NOT_FOUND']],
  ['get', '/health/live', []],
  ['get', '/health/ready', []],
];

/** Routes anyone may call; every other operation names its security scheme(s). */
const PUBLIC = ['/health/live', '/health/ready', '/v1/demo', '/v1/demo/launches'];

function refsIn(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refsIn(v, found));
  else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key === '$ref' && typeof v === 'string') found.push(v);
      else refsIn(v, found);
    }
  }
  return found;
}

/**
 * Where a schema shows no example: the paths of the leaves without one and without an example above them (a schema
 * with an example covers everything inside it; a referenced schema is checked where it is defined).
 */
function withoutExample(schema: Schema | undefined, at: string, schemas: Record<string, Schema>, seen: string[] = []): string[] {
  if (!schema || schema.example !== undefined || schema.examples !== undefined) return [];
  if (schema.$ref) {
    const name = schema.$ref.split('/').pop()!;
    return seen.includes(name) ? [] : withoutExample(schemas[name], name, schemas, [...seen, name]);
  }
  const members = [...(schema.allOf ?? []), ...(schema.oneOf ?? []), ...(schema.anyOf ?? [])];
  if (members.length > 0) return members.flatMap((member) => withoutExample(member, at, schemas, seen));
  if (schema.type === 'array') return withoutExample(schema.items, `${at}[]`, schemas, seen);
  if (schema.properties) {
    return Object.entries(schema.properties).flatMap(([name, property]) => withoutExample(property, `${at}.${name}`, schemas, seen));
  }
  return [at];
}

function operationsOf(doc: OpenApiDocument): [string, Operation][] {
  return Object.entries(doc.paths).flatMap(([route, operations]) =>
    Object.entries(operations).map(([method, operation]): [string, Operation] => [`${method} ${route}`, operation]),
  );
}

/** Read from the compiled server: the document depends on the @nestjs/swagger plugin that `nest build` runs. */
describe('OpenAPI document (e2e)', () => {
  let server: { url: string; child: ChildProcess };
  let doc: OpenApiDocument;

  beforeAll(async () => {
    server = await spawnServer();
    doc = (await request(server.url).get('/docs-json').expect(200)).body as OpenApiDocument;
  });
  afterAll(async () => {
    await stopServer(server.child);
  });

  it('should be an OpenAPI 3 document whose references all resolve', () => {
    expect(doc.openapi).toMatch(/^3\./);
    const refs = refsIn(doc);
    expect(refs.length).toBeGreaterThan(20);
    for (const ref of refs) {
      expect(ref).toMatch(/^#\/components\/schemas\//);
      expect(doc.components.schemas).toHaveProperty(ref.split('/').pop()!);
    }
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['client-key', 'exam-token']);
    // The exam token is opaque, not a JWT.
    expect(doc.components.securitySchemes['exam-token']).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'opaque' });
  });

  it('should name the credentials of every operation (and the scopes a key needs)', () => {
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        if (PUBLIC.includes(path)) continue;
        expect({ method, path, security: operation.security }).toEqual({ method, path, security: expect.arrayContaining([expect.any(Object)]) });
      }
    }
    expect(doc.paths['/v1/launches']!.post!.security).toEqual([{ 'client-key': ['exams:launch'] }]);
    expect(doc.paths['/v1/exams/{examId}/result']!.get!.security).toEqual(
      expect.arrayContaining([{ 'client-key': ['results:read'] }, { 'exam-token': [] }]),
    );
  });

  it.each(CONTRACT)('should document %s %s with its error codes', (method, path, codes) => {
    const operation = doc.paths[path]?.[method];
    expect(operation).toBeDefined();
    const documented = Object.values(operation!.responses)
      .map((r) => r.description ?? '')
      .join(' ');
    for (const code of codes) expect(documented).toContain(code);
    // Every route is rate limited (health probes and /metrics excepted).
    if (!PUBLIC.includes(path)) expect(documented).toContain('TOO_MANY_REQUESTS');
  });

  it('should give every operation a unique camelCase operationId and a summary', () => {
    const operations = operationsOf(doc);
    for (const [route, { operationId, summary }] of operations) {
      expect({ route, operationId }).toEqual({ route, operationId: expect.stringMatching(/^[a-z]+[A-Za-z0-9]*$/) });
      expect({ route, summary }).toEqual({ route, summary: expect.stringMatching(/\S/) });
    }
    const ids = operations.map(([, operation]) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(doc.paths['/v1/exams']!.post!.operationId).toBe('startExam');
    expect(doc.paths['/v1/exams/{examId}/answers']!.post!.operationId).toBe('submitAnswer');
  });

  it('should declare every parameter of every path (typed clients fill the path from them)', () => {
    for (const [route, operation] of operationsOf(doc)) {
      const declared = (operation.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
      const templated = [...route.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
      expect({ route, parameters: declared.sort() }).toEqual({ route, parameters: templated.sort() });
    }
  });

  it('should show an example of every request body and successful response', () => {
    const missing: string[] = [];
    for (const [route, operation] of operationsOf(doc)) {
      const bodies = [
        ...Object.values(operation.requestBody?.content ?? {}).map((media) => ({ media, what: 'request' })),
        ...Object.entries(operation.responses)
          .filter(([status]) => status.startsWith('2'))
          .flatMap(([status, response]) => Object.values(response.content ?? {}).map((media) => ({ media, what: status }))),
      ];
      for (const { media, what } of bodies) {
        if (media.example !== undefined || media.examples !== undefined) continue;
        missing.push(...withoutExample(media.schema, `${route} ${what}`, doc.components.schemas).map((at) => `${route} ${what}: ${at}`));
      }
    }
    expect(missing).toEqual([]);
  });

  it('should document every error response in the one error shape, with an example of each of its codes', () => {
    for (const [route, operation] of operationsOf(doc)) {
      for (const [status, response] of Object.entries(operation.responses)) {
        if (Number(status) < 400) continue;
        const media = response.content?.['application/json'];
        expect({ route, status, schema: media?.schema }).toEqual({ route, status, schema: { $ref: '#/components/schemas/ErrorBodyDto' } });
        const codes = /Error codes: (.+)$/.exec(response.description ?? '')![1].split(', ');
        expect({ route, status, examples: Object.keys(media!.examples ?? {}) }).toEqual({ route, status, examples: codes });
        for (const code of codes) {
          expect(media!.examples![code].value).toMatchObject({ statusCode: Number(status), code, message: expect.any(String) });
        }
      }
    }
  });

  it('should be the committed openapi.json (after an API change: npm run openapi:export, npm run client:generate)', () => {
    const committed = readFileSync(join(PROJECT_ROOT, 'openapi.json'), 'utf8');
    expect(JSON.parse(committed)).toEqual(doc);
    // Same content, and the same bytes as the export writes them (sorted keys, 2-space indent).
    expect(committed).toBe(serializeOpenApiDocument(doc));
  });

  it('should describe request and response bodies from the DTOs', () => {
    const schemas = doc.components.schemas as Record<string, { properties?: Record<string, unknown>; required?: string[] }>;
    expect(Object.keys(schemas.SubmitAnswerDto!.properties!).sort()).toEqual(['answer', 'itemId']);
    expect(schemas.AnswerView!.required).toEqual(expect.arrayContaining(['answered', 'done', 'item']));
    // θ and SE are there only when the exam's feedback mode shows them.
    expect(schemas.AnswerView!.required).not.toContain('theta');
    // What a candidate sees never carries the key or the parameters.
    expect(Object.keys(schemas.CandidateItemView!.properties!).sort()).toEqual(['id', 'options', 'stem']);
  });

  it('should serve Swagger UI at /docs, within the content security policy', async () => {
    const res = await request(server.url).get('/docs').redirects(1).expect(200);
    expect(res.text).toContain('swagger');
    const policy = String(res.headers['content-security-policy']);
    expect(policy).toContain("script-src 'self'");
    // The page runs no inline script (the policy would block it): every <script> loads a file from this origin.
    const scripts = [...res.text.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, inline] of scripts) {
      expect(inline.trim()).toBe('');
      const src = /src="([^"]+)"/.exec(attributes)![1];
      expect(src).not.toMatch(/^(https?:)?\/\//);
      await request(server.url).get(new URL(src, `${server.url}/docs`).pathname).expect(200);
    }
  });
});
