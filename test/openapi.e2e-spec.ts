import type { ChildProcess } from 'node:child_process';
import request from 'supertest';
import { spawnServer, stopServer } from './support/server-process.js';

interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, { description?: string }>; security?: unknown[] }>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
}

/** Every route of the v1 contract, with the error codes it must document. */
const CONTRACT: [string, string, string[]][] = [
  ['post', '/v1/item-banks', ['VALIDATION_FAILED', 'UNAUTHORIZED', 'FORBIDDEN']],
  ['get', '/v1/item-banks/{bankId}', ['UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND']],
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
  ['get', '/health/live', []],
  ['get', '/health/ready', []],
];

/** Routes anyone may call; every other operation names its security scheme(s). */
const PUBLIC = ['/health/live', '/health/ready'];

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
