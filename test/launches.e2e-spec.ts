import { createHash, randomBytes } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type pg from 'pg';
import request from 'supertest';
import { answerUntilDone, createClient, sleep, type TestClient } from './support/client-fixtures.js';
import { ADMIN, appServer, bearer, createBank, createDefinition, sqlClient } from './support/exam-fixtures.js';
import { startApp } from './support/test-app.js';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe('Launch tokens (e2e)', () => {
  let app: NestFastifyApplication;
  let server: ReturnType<typeof appServer>;
  let db: pg.Client;
  let bankId: string;
  let correctKeyOf: Map<string, string>;
  let definitionId: string;
  let platform: TestClient;

  beforeAll(async () => {
    app = await startApp();
    server = appServer(app);
    db = await sqlClient();
    ({ bankId, correctKeyOf } = await createBank(server, 30, 71));
    definitionId = await createDefinition(server, bankId, { maxItems: 3, seThreshold: 0, feedback: 'theta' });
    platform = await createClient(server, ['exams:launch', 'results:read'], [bankId], 'platform');
  });
  afterAll(async () => {
    await app.close();
    await db.end();
  });

  const issue = (candidateId: string, extra: Record<string, unknown> = {}) =>
    request(server).post('/v1/launches').set(platform.auth).send({ testDefinitionId: definitionId, candidateId, ...extra });
  const redeem = (launchToken: string, on = server) => request(on).post('/v1/exams').send({ launchToken });

  describe('POST /v1/launches', () => {
    it('should issue a token valid for ttlSeconds and store only its SHA-256', async () => {
      const before = Date.now();
      const res = await issue('lena', { ttlSeconds: 120 }).expect(201);
      expect(Object.keys(res.body).sort()).toEqual(['expiresAt', 'launchToken']);
      expect(res.body.launchToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const expiresAt = new Date(res.body.expiresAt).getTime();
      expect(expiresAt).toBeGreaterThanOrEqual(before + 119_000);
      expect(expiresAt).toBeLessThanOrEqual(Date.now() + 121_000);
      const { rows } = await db.query('SELECT token_hash, client_id, candidate_id, test_definition_id, used_at FROM launch WHERE token_hash = $1', [
        sha256(res.body.launchToken),
      ]);
      expect(rows).toEqual([{ token_hash: sha256(res.body.launchToken), client_id: platform.id, candidate_id: 'lena', test_definition_id: definitionId, used_at: null }]);
      const byDefault = await issue('lena').expect(201);
      expect(new Date(byDefault.body.expiresAt).getTime()).toBeGreaterThan(Date.now() + 290_000);
    });

    it('should validate ttlSeconds (1 to 900), the definition id and the candidate, and answer 404 for an unknown definition', async () => {
      for (const ttlSeconds of [0, 901, 1.5]) {
        const res = await issue('x', { ttlSeconds }).expect(400);
        expect(res.body.details).toContainEqual(expect.objectContaining({ field: 'ttlSeconds' }));
      }
      await issue('x', { ttlSeconds: 900 }).expect(201);
      await request(server).post('/v1/launches').set(platform.auth).send({ testDefinitionId: 'nope', candidateId: 'x' }).expect(400);
      await request(server).post('/v1/launches').set(platform.auth).send({ testDefinitionId: definitionId }).expect(400);
      const unknown = await request(server)
        .post('/v1/launches')
        .set(platform.auth)
        .send({ testDefinitionId: '00000000-0000-4000-8000-000000000000', candidateId: 'x' })
        .expect(404);
      expect(unknown.body.code).toBe('NOT_FOUND');
    });
  });

  describe('POST /v1/exams with a launch token', () => {
    it("should start the definition's exam for the launching client's candidate, without a key, once", async () => {
      const { launchToken } = (await issue('mila').expect(201)).body;
      const started = await redeem(launchToken).expect(201);
      expect(started.body).toMatchObject({ status: 'active', answered: 0, theta: expect.any(Number), maxItems: 3 });
      const { examId } = started.body;
      const { rows } = await db.query('SELECT client_id, candidate_id, test_definition_id, test_definition_revision FROM exam_session WHERE id = $1', [examId]);
      expect(rows[0]).toEqual({ client_id: platform.id, candidate_id: 'mila', test_definition_id: definitionId, test_definition_revision: 1 });
      const launch = await db.query('SELECT exam_id, used_at FROM launch WHERE token_hash = $1', [sha256(launchToken)]);
      expect(launch.rows[0].exam_id).toBe(examId);
      expect(launch.rows[0].used_at).toBeInstanceOf(Date);

      const again = await redeem(launchToken).expect(409);
      expect(again.body.code).toBe('LAUNCH_TOKEN_USED');

      // It is an exam like any other: its token runs it and, launched from a definition, it writes a proficiency.
      const bodies = await answerUntilDone(server, started.body, correctKeyOf);
      expect(bodies.at(-1)).toMatchObject({ done: true, stopReason: 'MAX_ITEMS' });
      const result = await request(server).get(`/v1/exams/${examId}/result`).set(platform.auth).expect(200);
      expect(result.body).toMatchObject({ candidateId: 'mila', testDefinitionId: definitionId, answered: 3 });
      const proficiency = await db.query('SELECT theta, session_id FROM proficiency WHERE client_id = $1 AND candidate_id = $2 AND bank_id = $3', [
        platform.id,
        'mila',
        bankId,
      ]);
      expect(proficiency.rows).toEqual([{ theta: result.body.theta, session_id: examId }]);
    });

    it('should start exactly one exam from 20 concurrent redemptions (the rest 409 LAUNCH_TOKEN_USED), across two instances', async () => {
      const other = await startApp();
      try {
        const { launchToken } = (await issue('race').expect(201)).body;
        const replies = await Promise.all(Array.from({ length: 20 }, (_, k) => redeem(launchToken, k % 2 === 0 ? server : appServer(other))));
        const created = replies.filter((r) => r.status === 201);
        const used = replies.filter((r) => r.status === 409);
        expect(created).toHaveLength(1);
        expect(used).toHaveLength(19);
        for (const r of used) expect(r.body.code).toBe('LAUNCH_TOKEN_USED');
        const { rows } = await db.query('SELECT id FROM exam_session WHERE client_id = $1 AND candidate_id = $2', [platform.id, 'race']);
        expect(rows).toEqual([{ id: created[0].body.examId }]);
        const launch = await db.query('SELECT exam_id FROM launch WHERE token_hash = $1', [sha256(launchToken)]);
        expect(launch.rows[0].exam_id).toBe(created[0].body.examId);
        await request(server).get(`/v1/exams/${created[0].body.examId}`).set(bearer(created[0].body.token)).expect(200);
      } finally {
        await other.close();
      }
    });

    it('should answer 410 LAUNCH_TOKEN_EXPIRED once its ttlSeconds have passed, and start nothing', async () => {
      const { launchToken } = (await issue('late', { ttlSeconds: 1 }).expect(201)).body;
      await sleep(1_200);
      const res = await redeem(launchToken).expect(410);
      expect(res.body).toMatchObject({ statusCode: 410, code: 'LAUNCH_TOKEN_EXPIRED' });
      const { rows } = await db.query('SELECT count(*)::int AS n FROM exam_session WHERE client_id = $1 AND candidate_id = $2', [platform.id, 'late']);
      expect(rows[0].n).toBe(0);
      const launch = await db.query('SELECT used_at FROM launch WHERE token_hash = $1', [sha256(launchToken)]);
      expect(launch.rows[0].used_at).toBeNull();
    });

    it('should answer 401 for an unknown launch token, and 400 for a short one or one sent with other fields', async () => {
      const unknown = await redeem(randomBytes(32).toString('base64url')).expect(401);
      expect(unknown.body.code).toBe('UNAUTHORIZED');
      await redeem('short').expect(400);
      const { launchToken } = (await issue('extra').expect(201)).body;
      const extra = await request(server).post('/v1/exams').send({ launchToken, candidateId: 'someone-else', bankId }).expect(400);
      expect(extra.body.code).toBe('VALIDATION_FAILED');
      expect((extra.body.details as { field: string }[]).map((d) => d.field).sort()).toEqual(['bankId', 'candidateId']);
      await redeem(launchToken).expect(201); // not used by the refused attempt
    });

    it('should refuse (401) the tokens of a client deleted since it issued them', async () => {
      const doomed = await createClient(server, ['exams:launch'], [bankId], 'doomed');
      const { launchToken } = (await request(server).post('/v1/launches').set(doomed.auth).send({ testDefinitionId: definitionId, candidateId: 'orphan' }).expect(201))
        .body;
      await request(server).delete(`/v1/admin/clients/${doomed.id}`).set(ADMIN).expect(204);
      expect((await redeem(launchToken).expect(401)).body.code).toBe('UNAUTHORIZED');
      const { rows } = await db.query('SELECT count(*)::int AS n FROM exam_session WHERE client_id = $1', [doomed.id]);
      expect(rows[0].n).toBe(0);
    });

    it("should start a token redeemed after a PATCH from the definition's revision current at redemption", async () => {
      const { launchToken } = (await issue('later').expect(201)).body;
      await request(server).patch(`/v1/test-definitions/${definitionId}`).set(ADMIN).send({ config: { maxItems: 5, seThreshold: 0, feedback: 'none' } }).expect(200);
      try {
        const started = await redeem(launchToken).expect(201);
        expect(started.body.maxItems).toBeUndefined();
        const { rows } = await db.query('SELECT test_definition_revision FROM exam_session WHERE id = $1', [started.body.examId]);
        expect(rows[0].test_definition_revision).toBe(2);
      } finally {
        await request(server).patch(`/v1/test-definitions/${definitionId}`).set(ADMIN).send({ config: { maxItems: 3, seThreshold: 0, feedback: 'theta' } }).expect(200);
      }
    });
  });
});
