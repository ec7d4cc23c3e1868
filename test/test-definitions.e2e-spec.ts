import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type pg from 'pg';
import request from 'supertest';
import { answerUntilDone, createClient, launchExam, type TestClient } from './support/client-fixtures.js';
import { ADMIN, appServer, bearer, createBank, sqlClient } from './support/exam-fixtures.js';
import { startApp } from './support/test-app.js';

describe('Test definitions (e2e)', () => {
  let app: NestFastifyApplication;
  let server: ReturnType<typeof appServer>;
  let db: pg.Client;
  let bankId: string;
  let correctKeyOf: Map<string, string>;
  let author: TestClient;

  beforeAll(async () => {
    app = await startApp();
    server = appServer(app);
    db = await sqlClient();
    ({ bankId, correctKeyOf } = await createBank(server, 40, 61));
    author = await createClient(server, ['banks:write', 'banks:read', 'exams:launch', 'results:read'], [bankId]);
  });
  afterAll(async () => {
    await app.close();
    await db.end();
  });

  const define = (name: string, config: Record<string, unknown>) =>
    request(server).post(`/v1/item-banks/${bankId}/test-definitions`).set(author.auth).send({ name, config });

  describe('POST /v1/item-banks/:bankId/test-definitions', () => {
    it('should create revision 1 and keep it in the history', async () => {
      const config = { maxItems: 10, seThreshold: 0.4, feedback: 'none', startTheta: 'lastProficiency' };
      const res = await define('placement', config).expect(201);
      expect(Object.keys(res.body).sort()).toEqual(['bankId', 'config', 'createdAt', 'id', 'name', 'revision', 'updatedAt']);
      expect(res.body).toMatchObject({ bankId, name: 'placement', revision: 1, config });
      const { rows } = await db.query('SELECT revision, name, config FROM test_definition_revision WHERE definition_id = $1', [res.body.id]);
      expect(rows).toEqual([{ revision: 1, name: 'placement', config }]);
    });

    it('should reject a bad config with field details, and answer 404 for an unknown bank', async () => {
      const bad = await define('bad', { minItems: 10, maxItems: 5, feedback: 'everything' }).expect(400);
      expect(bad.body.code).toBe('VALIDATION_FAILED');
      expect((bad.body.details as { field: string }[]).map((d) => d.field)).toEqual(expect.arrayContaining(['config.feedback']));
      const crossField = await define('bad', { minItems: 10, maxItems: 5 }).expect(400);
      expect(crossField.body.details).toContainEqual(expect.objectContaining({ field: 'config.minItems' }));
      await request(server).post(`/v1/item-banks/${bankId}/test-definitions`).set(author.auth).send({ config: {} }).expect(400);
      const unknown = await request(server)
        .post('/v1/item-banks/00000000-0000-4000-8000-000000000000/test-definitions')
        .set(ADMIN)
        .send({ name: 'x', config: {} })
        .expect(404);
      expect(unknown.body.code).toBe('NOT_FOUND');
    });
  });

  describe('GET', () => {
    it("should list the bank's definitions and show one, each at its current revision", async () => {
      const one = (await define('list one', { maxItems: 5 }).expect(201)).body;
      const two = (await define('list two', { maxItems: 6 }).expect(201)).body;
      await request(server).patch(`/v1/test-definitions/${two.id}`).set(author.auth).send({ config: { maxItems: 7 } }).expect(200);
      const list = await request(server).get(`/v1/item-banks/${bankId}/test-definitions`).set(author.auth).expect(200);
      const byId = new Map((list.body as { id: string }[]).map((d) => [d.id, d]));
      expect(byId.get(one.id)).toEqual(one);
      expect(byId.get(two.id)).toMatchObject({ revision: 2, config: { maxItems: 7 } });
      const got = await request(server).get(`/v1/test-definitions/${two.id}`).set(author.auth).expect(200);
      expect(got.body).toMatchObject({ id: two.id, name: 'list two', revision: 2, config: { maxItems: 7 } });
      expect((await request(server).get('/v1/test-definitions/00000000-0000-4000-8000-000000000000').set(author.auth).expect(404)).body.code).toBe('NOT_FOUND');
      await request(server).get('/v1/test-definitions/nope').set(author.auth).expect(400);
    });
  });

  describe('PATCH /v1/test-definitions/:definitionId', () => {
    it('should make a new revision per change, keeping what was not sent', async () => {
      const created = (await define('original', { maxItems: 8 }).expect(201)).body;
      const renamed = await request(server).patch(`/v1/test-definitions/${created.id}`).set(author.auth).send({ name: 'renamed' }).expect(200);
      expect(renamed.body).toMatchObject({ id: created.id, name: 'renamed', revision: 2, config: { maxItems: 8 } });
      expect(new Date(renamed.body.updatedAt).getTime()).toBeGreaterThanOrEqual(new Date(created.updatedAt).getTime());
      const changed = await request(server).patch(`/v1/test-definitions/${created.id}`).set(author.auth).send({ config: { maxItems: 4 } }).expect(200);
      expect(changed.body).toMatchObject({ name: 'renamed', revision: 3, config: { maxItems: 4 } });
      const { rows } = await db.query(
        'SELECT revision, name, config FROM test_definition_revision WHERE definition_id = $1 ORDER BY revision',
        [created.id],
      );
      expect(rows).toEqual([
        { revision: 1, name: 'original', config: { maxItems: 8 } },
        { revision: 2, name: 'renamed', config: { maxItems: 8 } },
        { revision: 3, name: 'renamed', config: { maxItems: 4 } },
      ]);
    });

    it('should give concurrent revisions distinct numbers', async () => {
      const created = (await define('busy', {}).expect(201)).body;
      const replies = await Promise.all(
        Array.from({ length: 8 }, (_, k) => request(server).patch(`/v1/test-definitions/${created.id}`).set(author.auth).send({ name: `busy ${k}` })),
      );
      expect(replies.map((r) => r.status)).toEqual(Array(8).fill(200));
      expect(replies.map((r) => r.body.revision as number).sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    });

    it('should reject a bad config and answer 404 for an unknown definition', async () => {
      const created = (await define('strict', {}).expect(201)).body;
      const bad = await request(server).patch(`/v1/test-definitions/${created.id}`).set(author.auth).send({ config: { maxItems: 0 } }).expect(400);
      expect(bad.body.code).toBe('VALIDATION_FAILED');
      expect((await request(server).get(`/v1/test-definitions/${created.id}`).set(author.auth).expect(200)).body.revision).toBe(1);
      await request(server).patch('/v1/test-definitions/00000000-0000-4000-8000-000000000000').set(ADMIN).send({ name: 'x' }).expect(404);
    });

    it('should not change an exam already running: it keeps its revision and its config', async () => {
      const definition = (await define('stable', { maxItems: 4, seThreshold: 0, feedback: 'theta' }).expect(201)).body;
      const running = (await launchExam(server, author.auth, definition.id, 'steady').expect(201)).body;
      expect(running).toMatchObject({ theta: expect.any(Number), maxItems: 4 });
      const first = await answerUntilDone(server, running, correctKeyOf, { limit: 1 });

      const patched = await request(server)
        .patch(`/v1/test-definitions/${definition.id}`)
        .set(author.auth)
        .send({ config: { maxItems: 7, seThreshold: 0, feedback: 'none' } })
        .expect(200);
      expect(patched.body.revision).toBe(2);

      // The running exam still shows θ (feedback "theta") and stops after 4 items, not 7, also on an instance that
      // has never seen it (its config comes from the exam, not from a cache).
      const fresh = await startApp();
      try {
        const view = await request(appServer(fresh)).get(`/v1/exams/${running.examId}`).set(bearer(running.token)).expect(200);
        expect(view.body).toMatchObject({ answered: 1, maxItems: 4, theta: expect.any(Number) });
        const rest = await answerUntilDone(appServer(fresh), { ...running, item: first[0].item as { id: string } }, correctKeyOf, { seed: 2 });
        const bodies = [...first, ...rest];
        expect(bodies).toHaveLength(4);
        for (const body of bodies) expect(body).toMatchObject({ maxItems: 4, theta: expect.any(Number), se: expect.any(Number) });
        expect(bodies[3]).toMatchObject({ done: true, stopReason: 'MAX_ITEMS' });
      } finally {
        await fresh.close();
      }

      const result = await request(server).get(`/v1/exams/${running.examId}/result`).set(author.auth).expect(200);
      expect(result.body).toMatchObject({ testDefinitionId: definition.id, testDefinitionRevision: 1, answered: 4, stopReason: 'MAX_ITEMS' });
      const { rows } = await db.query('SELECT test_definition_revision, config FROM exam_session WHERE id = $1', [running.examId]);
      expect(rows[0].test_definition_revision).toBe(1);
      expect(rows[0].config).toMatchObject({ maxItems: 4, feedback: 'theta' });

      // A new exam takes the new revision.
      const next = (await launchExam(server, author.auth, definition.id, 'steady').expect(201)).body;
      expect(next.theta).toBeUndefined();
      expect(next.maxItems).toBeUndefined();
      const nextResult = await request(server).get(`/v1/exams/${next.examId}/result`).set(author.auth).expect(200);
      expect(nextResult.body.testDefinitionRevision).toBe(2);
    });
  });
});
