import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { ALL_SCOPES, apiKey, createClient, launchExam, type Scope, type TestClient } from './support/client-fixtures.js';
import { ADMIN, appServer, bearer, createBank, createDefinition, makeItems } from './support/exam-fixtures.js';
import { startApp } from './support/test-app.js';

type Headers = Record<string, string>;

interface RouteCase {
  route: string;
  scope: Scope;
  /** What a key holding only `scope` gets. */
  status: number;
  call: (headers: Headers) => PromiseLike<request.Response>;
}

describe('Client scopes (e2e)', () => {
  let app: NestFastifyApplication;
  let server: ReturnType<typeof appServer>;
  let bankA: string;
  let bankB: string;
  let itemA: string;
  let itemB: string;
  let definitionA: string;
  let definitionB: string;
  /** A key per scope, holding that scope only. */
  const holder = {} as Record<Scope, TestClient>;
  /** A key per scope, holding every other scope but admin. */
  const lacking = {} as Record<Scope, TestClient>;
  /** An exam launched by the exams:launch holder. */
  let ownExam: { examId: string; token: string };

  beforeAll(async () => {
    app = await startApp();
    server = appServer(app);
    let correctKeyOf: Map<string, string>;
    ({ bankId: bankA, correctKeyOf } = await createBank(server, 8, 51));
    itemA = [...correctKeyOf.keys()][0];
    ({ bankId: bankB, correctKeyOf } = await createBank(server, 8, 52));
    itemB = [...correctKeyOf.keys()][0];
    definitionA = await createDefinition(server, bankA, { maxItems: 3 });
    definitionB = await createDefinition(server, bankB, { maxItems: 3 });
    for (const scope of ALL_SCOPES) {
      holder[scope] = await createClient(server, [scope], undefined, `only ${scope}`);
      lacking[scope] = await createClient(server, ALL_SCOPES.filter((s) => s !== scope && s !== 'admin'), undefined, `all but ${scope}`);
    }
    ownExam = (await launchExam(server, holder['exams:launch'].auth, definitionA, 'scoped').expect(201)).body;
  });
  afterAll(async () => {
    await app.close();
  });

  const throwaway = async () => (await createClient(server, ['banks:read'], undefined, 'throwaway')).id;
  const ROUTES: RouteCase[] = [
    { route: 'POST /v1/item-banks', scope: 'banks:write', status: 201, call: (h) => request(server).post('/v1/item-banks').set(h).send({ name: 'scoped' }) },
    { route: 'GET /v1/item-banks/:bankId', scope: 'banks:read', status: 200, call: (h) => request(server).get(`/v1/item-banks/${bankA}`).set(h) },
    {
      route: 'POST /v1/item-banks/:bankId/items',
      scope: 'banks:write',
      status: 201,
      call: (h) => request(server).post(`/v1/item-banks/${bankA}/items`).set(h).send({ items: makeItems(1, 9, 'scoped') }),
    },
    { route: 'GET /v1/item-banks/:bankId/items', scope: 'banks:read', status: 200, call: (h) => request(server).get(`/v1/item-banks/${bankA}/items`).set(h) },
    { route: 'PATCH /v1/items/:itemId', scope: 'banks:write', status: 200, call: (h) => request(server).patch(`/v1/items/${itemA}`).set(h).send({ stem: 'A changed stem' }) },
    {
      route: 'POST /v1/item-banks/:bankId/test-definitions',
      scope: 'banks:write',
      status: 201,
      call: (h) => request(server).post(`/v1/item-banks/${bankA}/test-definitions`).set(h).send({ name: 'scoped', config: {} }),
    },
    {
      route: 'GET /v1/item-banks/:bankId/test-definitions',
      scope: 'banks:read',
      status: 200,
      call: (h) => request(server).get(`/v1/item-banks/${bankA}/test-definitions`).set(h),
    },
    { route: 'GET /v1/test-definitions/:definitionId', scope: 'banks:read', status: 200, call: (h) => request(server).get(`/v1/test-definitions/${definitionA}`).set(h) },
    {
      route: 'PATCH /v1/test-definitions/:definitionId',
      scope: 'banks:write',
      status: 200,
      call: (h) => request(server).patch(`/v1/test-definitions/${definitionA}`).set(h).send({ name: 'renamed' }),
    },
    {
      route: 'POST /v1/exams (test definition)',
      scope: 'exams:launch',
      status: 201,
      call: (h) => request(server).post('/v1/exams').set(h).send({ testDefinitionId: definitionA, candidateId: 'scoped' }),
    },
    {
      route: 'POST /v1/launches',
      scope: 'exams:launch',
      status: 201,
      call: (h) => request(server).post('/v1/launches').set(h).send({ testDefinitionId: definitionA, candidateId: 'scoped' }),
    },
    { route: 'POST /v1/exams/:examId/revoke', scope: 'exams:launch', status: 200, call: (h) => request(server).post(`/v1/exams/${ownExam.examId}/revoke`).set(h) },
    { route: 'POST /v1/candidates/:candidateId/revoke', scope: 'exams:launch', status: 200, call: (h) => request(server).post('/v1/candidates/nobody/revoke').set(h) },
    { route: 'GET /v1/admin/stats', scope: 'admin', status: 200, call: (h) => request(server).get('/v1/admin/stats').set(h) },
    { route: 'POST /v1/admin/sessions/cleanup', scope: 'admin', status: 200, call: (h) => request(server).post('/v1/admin/sessions/cleanup').set(h) },
    {
      route: 'POST /v1/estimate',
      scope: 'admin',
      status: 200,
      call: (h) => request(server).post('/v1/estimate').set(h).send({ items: [{ a: 1, b: 0 }], responses: [1], estimator: 'EAP' }),
    },
    { route: 'GET /v1/admin/clients', scope: 'admin', status: 200, call: (h) => request(server).get('/v1/admin/clients').set(h) },
    { route: 'POST /v1/admin/clients', scope: 'admin', status: 201, call: (h) => request(server).post('/v1/admin/clients').set(h).send({ name: 'x', scopes: [] }) },
    {
      route: 'POST /v1/admin/clients/:clientId/rotate',
      scope: 'admin',
      status: 200,
      call: async (h) => request(server).post(`/v1/admin/clients/${await throwaway()}/rotate`).set(h),
    },
    {
      route: 'DELETE /v1/admin/clients/:clientId',
      scope: 'admin',
      status: 204,
      call: async (h) => request(server).delete(`/v1/admin/clients/${await throwaway()}`).set(h),
    },
  ];

  it.each(ROUTES)('should let a key with only $scope through $route, 403 a key without it, 401 no key or a bad one', async ({ scope, status, call }) => {
    for (const headers of [{}, apiKey('cat_0123456789ab_' + 'x'.repeat(43)), bearer(ownExam.token)]) {
      const res = await call(headers);
      expect(res.body).toMatchObject({ statusCode: 401, code: 'UNAUTHORIZED' });
    }
    const refused = await call(lacking[scope].auth);
    expect(refused.body).toMatchObject({ statusCode: 403, code: 'FORBIDDEN' });
    const allowed = await call(holder[scope].auth);
    expect(allowed.status).toBe(status);
  });

  it("should let an admin-scoped client use any bank and read any client's result", async () => {
    const admin = await createClient(server, ['admin']);
    await request(server).get(`/v1/item-banks/${bankB}`).set(admin.auth).expect(200);
    await request(server).post('/v1/exams').set(admin.auth).send({ bankId: bankB, candidateId: 'adm' }).expect(201);
    await request(server).get(`/v1/exams/${ownExam.examId}/result`).set(admin.auth).expect(200);
  });

  describe('POST /v1/exams with an ad-hoc config', () => {
    it('should need both exams:launch and exams:custom', async () => {
      const body = { bankId: bankA, candidateId: 'adhoc', config: { maxItems: 2 } };
      const launchOnly = await request(server).post('/v1/exams').set(holder['exams:launch'].auth).send(body).expect(403);
      expect(launchOnly.body.code).toBe('FORBIDDEN');
      await request(server).post('/v1/exams').set(holder['exams:custom'].auth).send(body).expect(403);
      const both = await createClient(server, ['exams:launch', 'exams:custom']);
      await request(server).post('/v1/exams').set(both.auth).send(body).expect(201);
    });

    it('should answer 401 without a key or launch token, and 400 when neither a definition nor a bank is named', async () => {
      const none = await request(server).post('/v1/exams').send({ bankId: bankA, candidateId: 'anon' }).expect(401);
      expect(none.body.code).toBe('UNAUTHORIZED');
      await request(server).post('/v1/exams').send({ testDefinitionId: definitionA, candidateId: 'anon' }).expect(401);
      await request(server).post('/v1/exams').set(holder['exams:launch'].auth).send({ candidateId: 'x' }).expect(400);
      await request(server).post('/v1/exams').set(holder['exams:launch'].auth).send({ testDefinitionId: definitionA }).expect(400);
    });
  });

  describe('GET /v1/exams/:examId/result with a key', () => {
    it("should need results:read, and show a client its own exams only (admin: all)", async () => {
      const reader = await createClient(server, ['exams:launch', 'results:read']);
      const mine = (await launchExam(server, reader.auth, definitionA, 'reader').expect(201)).body;
      const full = await request(server).get(`/v1/exams/${mine.examId}/result`).set(reader.auth).expect(200);
      expect(full.body).toMatchObject({ examId: mine.examId, candidateId: 'reader', bankId: bankA, testDefinitionId: definitionA, responses: [] });
      const noScope = await request(server).get(`/v1/exams/${ownExam.examId}/result`).set(holder['exams:launch'].auth).expect(403);
      expect(noScope.body.code).toBe('FORBIDDEN');
      const other = await request(server).get(`/v1/exams/${ownExam.examId}/result`).set(reader.auth).expect(404);
      expect(other.body.code).toBe('NOT_FOUND');
      await request(server).get(`/v1/exams/${ownExam.examId}/result`).set(holder['results:read'].auth).expect(404);
      await request(server).get(`/v1/exams/${mine.examId}/result`).set(ADMIN).expect(200);
      await request(server).get(`/v1/exams/${mine.examId}/result`).set(apiKey('wrong')).set(bearer(mine.token)).expect(401);
      // A client key does not open the candidate's routes.
      await request(server).get(`/v1/exams/${mine.examId}`).set(reader.auth).expect(401);
    });
  });

  describe('bank allow-lists', () => {
    it('should allow the listed bank and refuse another with 403 on every bank-bound route', async () => {
      const limited = await createClient(server, ['banks:read', 'banks:write', 'exams:launch', 'exams:custom', 'results:read'], [bankA]);
      const h = limited.auth;
      await request(server).get(`/v1/item-banks/${bankA}`).set(h).expect(200);
      await request(server).get(`/v1/item-banks/${bankA}/test-definitions`).set(h).expect(200);
      await request(server).post('/v1/exams').set(h).send({ testDefinitionId: definitionA, candidateId: 'limited' }).expect(201);
      await request(server).post('/v1/exams').set(h).send({ bankId: bankA, candidateId: 'limited' }).expect(201);
      await request(server).post('/v1/launches').set(h).send({ testDefinitionId: definitionA, candidateId: 'limited' }).expect(201);

      const refused = [
        request(server).get(`/v1/item-banks/${bankB}`).set(h),
        request(server).get(`/v1/item-banks/${bankB}/items`).set(h),
        request(server).post(`/v1/item-banks/${bankB}/items`).set(h).send({ items: makeItems(1, 3, 'limited') }),
        request(server).patch(`/v1/items/${itemB}`).set(h).send({ stem: 'not mine' }),
        request(server).post('/v1/item-banks').set(h).send({ name: 'a bank it could not use' }),
        request(server).post(`/v1/item-banks/${bankB}/test-definitions`).set(h).send({ name: 'x', config: {} }),
        request(server).get(`/v1/item-banks/${bankB}/test-definitions`).set(h),
        request(server).get(`/v1/test-definitions/${definitionB}`).set(h),
        request(server).patch(`/v1/test-definitions/${definitionB}`).set(h).send({ name: 'not mine' }),
        request(server).post('/v1/exams').set(h).send({ testDefinitionId: definitionB, candidateId: 'limited' }),
        request(server).post('/v1/exams').set(h).send({ bankId: bankB, candidateId: 'limited' }),
        request(server).post('/v1/launches').set(h).send({ testDefinitionId: definitionB, candidateId: 'limited' }),
      ];
      const replies = await Promise.all(refused);
      expect(replies.map((res) => `${res.status} ${res.body.code}`)).toEqual(Array(refused.length).fill('403 FORBIDDEN'));
      const definition = await request(server).get(`/v1/test-definitions/${definitionB}`).set(ADMIN).expect(200);
      expect(definition.body.name).toBe('definition');
    });

    it('should let an admin-scoped client ignore its allow-list', async () => {
      const admin = await createClient(server, ['admin'], [bankA]);
      await request(server).get(`/v1/item-banks/${bankB}`).set(admin.auth).expect(200);
      await request(server).post('/v1/exams').set(admin.auth).send({ testDefinitionId: definitionB, candidateId: 'adm' }).expect(201);
    });
  });
});
