import { randomBytes } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Redis } from 'ioredis';
import type pg from 'pg';
import request from 'supertest';
import { answerUntilDone, createClient, launchExam, sleep, type TestClient } from './support/client-fixtures.js';
import { ADMIN, appServer, bearer, createBank, createDefinition, sqlClient } from './support/exam-fixtures.js';
import { startApp } from './support/test-app.js';

const stateKey = (examId: string) => `${process.env.REDIS_KEY_PREFIX}{exam:${examId}}:state`;

describe('Exam token lifetime and revocation (e2e)', () => {
  let one: NestFastifyApplication;
  let two: NestFastifyApplication;
  let first: ReturnType<typeof appServer>;
  let second: ReturnType<typeof appServer>;
  let db: pg.Client;
  let redis: Redis;
  let correctKeyOf: Map<string, string>;
  let definitionId: string;
  let platform: TestClient;

  beforeAll(async () => {
    one = await startApp();
    two = await startApp();
    first = appServer(one);
    second = appServer(two);
    db = await sqlClient();
    redis = new Redis(process.env.REDIS_URL!);
    let bankId: string;
    ({ bankId, correctKeyOf } = await createBank(first, 40, 101));
    definitionId = await createDefinition(first, bankId, { maxItems: 3, seThreshold: 0, feedback: 'theta' });
    platform = await createClient(first, ['exams:launch', 'results:read'], undefined, 'lifetime');
  });
  afterAll(async () => {
    await one?.close();
    await two?.close();
    await db?.end();
    await redis?.quit();
  });

  /** Every candidate route of the exam through `on`, with its token: the statuses. */
  async function candidateStatuses(on: ReturnType<typeof appServer>, exam: { examId: string; token: string; item: { id: string } }) {
    const replies = [
      await request(on).get(`/v1/exams/${exam.examId}`).set(bearer(exam.token)),
      await request(on).post(`/v1/exams/${exam.examId}/answers`).set(bearer(exam.token)).send({ itemId: exam.item.id, answer: 'A' }),
      await request(on).post(`/v1/exams/${exam.examId}/finish`).set(bearer(exam.token)),
      await request(on).get(`/v1/exams/${exam.examId}/result`).set(bearer(exam.token)),
    ];
    return replies;
  }

  /** The 401 an exam token gets on an exam that does not exist. */
  const unknownExamBody = async (token: string) =>
    (await request(first).get(`/v1/exams/${'00000000-0000-4000-8000-000000000000'}`).set(bearer(token)).expect(401)).body;

  describe('POST /v1/exams/:examId/revoke', () => {
    it('should refuse the token at once on another instance, keep the responses and mark the exam revoked', async () => {
      const exam = (await launchExam(first, platform.auth, definitionId, 'rita').expect(201)).body;
      // The second instance knows the exam (its facts are cached there) and has served an answer.
      const [answered] = await answerUntilDone(second, exam, correctKeyOf, { limit: 1 });
      await request(second).get(`/v1/exams/${exam.examId}`).set(bearer(exam.token)).expect(200);

      const revoked = await request(first).post(`/v1/exams/${exam.examId}/revoke`).set(platform.auth).expect(200);
      expect(revoked.body).toEqual({ revoked: 1 });
      const revokedAt = Date.now();
      const next = { ...exam, item: answered.item as { id: string } };
      const replies = await candidateStatuses(second, next);
      expect(Date.now() - revokedAt).toBeLessThan(1_000);
      const refusal = await unknownExamBody(exam.token);
      for (const res of replies) {
        expect(res.status).toBe(401);
        expect(res.body).toEqual(refusal); // the same body as for an exam that does not exist
      }
      for (const res of await candidateStatuses(first, next)) expect(res.status).toBe(401);

      const result = await request(second).get(`/v1/exams/${exam.examId}/result`).set(platform.auth).expect(200);
      expect(result.body).toMatchObject({ status: 'revoked', answered: 1, revokedAt: expect.any(String) });
      expect(result.body.responses).toHaveLength(1);
      const { rows } = await db.query('SELECT status, answered FROM exam_session WHERE id = $1', [exam.examId]);
      expect(rows[0]).toEqual({ status: 'REVOKED', answered: 1 });
      expect(await redis.exists(stateKey(exam.examId))).toBe(0);
      expect((await request(first).post(`/v1/exams/${exam.examId}/revoke`).set(platform.auth).expect(200)).body).toEqual({ revoked: 0 });
    });

    it('should let admin revoke any exam, refuse a key without exams:launch (403) and answer 404 for an unknown exam', async () => {
      const exam = (await launchExam(first, platform.auth, definitionId, 'ruth').expect(201)).body;
      const reader = await createClient(first, ['results:read']);
      expect((await request(first).post(`/v1/exams/${exam.examId}/revoke`).set(reader.auth).expect(403)).body.code).toBe('FORBIDDEN');
      await request(first).post(`/v1/exams/${exam.examId}/revoke`).expect(401);
      await request(first).post(`/v1/exams/${exam.examId}/revoke`).set(bearer(exam.token)).expect(401);
      await request(first).post('/v1/exams/00000000-0000-4000-8000-000000000000/revoke').set(platform.auth).expect(404);
      expect((await request(first).post(`/v1/exams/${exam.examId}/revoke`).set(ADMIN).expect(200)).body).toEqual({ revoked: 1 });
      await request(second).get(`/v1/exams/${exam.examId}`).set(bearer(exam.token)).expect(401);
    });

    it("should refuse a finished exam's token at once when it is revoked within its grace period", async () => {
      const exam = (await launchExam(first, platform.auth, definitionId, 'rosa').expect(201)).body;
      await answerUntilDone(first, exam, correctKeyOf);
      await request(second).get(`/v1/exams/${exam.examId}/result`).set(bearer(exam.token)).expect(200);
      expect((await request(first).post(`/v1/exams/${exam.examId}/revoke`).set(platform.auth).expect(200)).body).toEqual({ revoked: 1 });
      await request(second).get(`/v1/exams/${exam.examId}/result`).set(bearer(exam.token)).expect(401);
      await request(second).get(`/v1/exams/${exam.examId}`).set(bearer(exam.token)).expect(401);
      const result = await request(second).get(`/v1/exams/${exam.examId}/result`).set(platform.auth).expect(200);
      expect(result.body).toMatchObject({ status: 'completed', answered: 3, revokedAt: expect.any(String) });
    });
  });

  describe('POST /v1/candidates/:candidateId/revoke', () => {
    it("should revoke every active exam of the client's candidate, and nothing else", async () => {
      const active = [
        (await launchExam(first, platform.auth, definitionId, 'carol').expect(201)).body,
        (await launchExam(second, platform.auth, definitionId, 'carol').expect(201)).body,
      ];
      const finished = (await launchExam(first, platform.auth, definitionId, 'carol').expect(201)).body;
      await answerUntilDone(first, finished, correctKeyOf);
      const otherCandidate = (await launchExam(first, platform.auth, definitionId, 'dave').expect(201)).body;

      const res = await request(first).post('/v1/candidates/carol/revoke').set(platform.auth).expect(200);
      expect(res.body).toEqual({ revoked: 2 });
      for (const exam of active) {
        for (const on of [first, second]) await request(on).get(`/v1/exams/${exam.examId}`).set(bearer(exam.token)).expect(401);
      }
      await request(second).get(`/v1/exams/${finished.examId}/result`).set(bearer(finished.token)).expect(200);
      await request(second).get(`/v1/exams/${otherCandidate.examId}`).set(bearer(otherCandidate.token)).expect(200);
      expect((await request(first).post('/v1/candidates/carol/revoke').set(platform.auth).expect(200)).body).toEqual({ revoked: 0 });
      expect((await request(first).post('/v1/candidates/nobody/revoke').set(platform.auth).expect(200)).body).toEqual({ revoked: 0 });
      await request(first).post(`/v1/candidates/${'x'.repeat(201)}/revoke`).set(platform.auth).expect(400);
    });
  });

  describe('after the exam ends', () => {
    it('should keep the token working for EXAM_TOKEN_GRACE_SECONDS after completion, then answer 401', async () => {
      const shortGrace = await startApp({ EXAM_TOKEN_GRACE_SECONDS: '1' });
      try {
        const on = appServer(shortGrace);
        const exam = (await launchExam(on, platform.auth, definitionId, 'gina').expect(201)).body;
        const answers = await answerUntilDone(on, exam, correctKeyOf);
        const last = { ...exam, item: exam.item as { id: string } };
        expect(answers.at(-1)).toMatchObject({ done: true });
        // Right after completion: everything the candidate may still do works.
        await request(on).get(`/v1/exams/${exam.examId}`).set(bearer(exam.token)).expect(200);
        await request(on).get(`/v1/exams/${exam.examId}/result`).set(bearer(exam.token)).expect(200);
        await request(on).post(`/v1/exams/${exam.examId}/finish`).set(bearer(exam.token)).expect(200);

        await sleep(1_200);
        const refusal = await unknownExamBody(exam.token);
        for (const res of await candidateStatuses(on, last)) {
          expect(res.status).toBe(401);
          expect(res.body).toEqual(refusal);
        }
        // The client still reads the result with its key.
        const result = await request(on).get(`/v1/exams/${exam.examId}/result`).set(platform.auth).expect(200);
        expect(result.body).toMatchObject({ status: 'completed', answered: 3, revokedAt: null });
      } finally {
        await shortGrace.close();
      }
    });

    it('should answer an unknown exam and an exam the token does not open with the same 401', async () => {
      const exam = (await launchExam(first, platform.auth, definitionId, 'otto').expect(201)).body;
      const other = (await launchExam(first, platform.auth, definitionId, 'otto').expect(201)).body;
      const strangerToken = randomBytes(32).toString('base64url');
      const bodies = [
        (await request(second).get(`/v1/exams/${other.examId}`).set(bearer(exam.token)).expect(401)).body,
        (await request(second).get('/v1/exams/00000000-0000-4000-8000-000000000000').set(bearer(exam.token)).expect(401)).body,
        (await request(second).get(`/v1/exams/${exam.examId}`).set(bearer(strangerToken)).expect(401)).body,
        (await request(second).get(`/v1/exams/${other.examId}/result`).set(bearer(exam.token)).expect(401)).body,
        (await request(second).get('/v1/exams/00000000-0000-4000-8000-000000000000/result').set(bearer(exam.token)).expect(401)).body,
      ];
      for (const body of bodies) expect(body).toEqual(bodies[0]);
    });
  });
});
