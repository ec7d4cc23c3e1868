import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Redis } from 'ioredis';
import type pg from 'pg';
import request from 'supertest';
import { ADMIN, answerFor, appServer, bearer, checkInvariants, createBank, createDefinition, seeded, sqlClient, startExam } from './support/exam-fixtures.js';
import { startApp } from './support/test-app.js';

const PREFIX = () => process.env.REDIS_KEY_PREFIX!;
const stateKey = (examId: string) => `${PREFIX()}{exam:${examId}}:state`;
const lockKey = (examId: string) => `${PREFIX()}{exam:${examId}}:lock`;

/** Reads the version stored in the hot state (first 4 bytes, big-endian), or null. */
async function hotVersion(redis: Redis, examId: string): Promise<number | null> {
  const buffer = await redis.getBuffer(stateKey(examId));
  return buffer ? buffer.readUInt32BE(0) : null;
}

describe('Exams (e2e)', () => {
  let app: NestFastifyApplication;
  let server: ReturnType<typeof appServer>;
  let db: pg.Client;
  let redis: Redis;
  let bankId: string;
  let correctKeyOf: Map<string, string>;

  beforeAll(async () => {
    app = await startApp();
    server = appServer(app);
    db = await sqlClient();
    redis = new Redis(process.env.REDIS_URL!);
    ({ bankId, correctKeyOf } = await createBank(server, 300, 7));
  });
  afterAll(async () => {
    await app.close();
    await db.end();
    await redis.quit();
  });

  const start = (body: Record<string, unknown> & { config?: Record<string, unknown> } = {}) => startExam(server, { bankId, candidateId: 'cand-1', ...body });
  /** From a test definition (showing θ): such exams store the candidate's proficiency. */
  const launch = async (candidateId: string, config: Record<string, unknown>) =>
    request(server)
      .post('/v1/exams')
      .set(ADMIN)
      .send({ testDefinitionId: await createDefinition(server, bankId, { feedback: 'theta', ...config }), candidateId })
      .expect(201);

  describe('POST /v1/exams', () => {
    it('should start an exam and show the first item without key or parameters', async () => {
      const res = await start().expect(201);
      expect(res.body).toMatchObject({ status: 'active', answered: 0, theta: 0, se: 1 });
      expect(res.body.examId).toMatch(/^[0-9a-f-]{36}$/);
      expect(Buffer.from(res.body.token, 'base64url').length).toBeGreaterThanOrEqual(32);
      expect(Object.keys(res.body.item).sort()).toEqual(['id', 'options', 'stem']);
      expect(new Date(res.body.expiresAt).getTime()).toBeGreaterThan(Date.now() + 29 * 60_000);
      const { rows } = await db.query('SELECT token_hash FROM exam_session WHERE id = $1', [res.body.examId]);
      expect(rows[0].token_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(rows[0].token_hash).not.toContain(res.body.token);
    });

    it('should reject minItems > maxItems and other bad config with field details', async () => {
      const res = await start({ config: { minItems: 10, maxItems: 5 } }).expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.details).toContainEqual(expect.objectContaining({ field: 'config.minItems' }));
      const bad = await start({ config: { estimator: 'XYZ', prior: { sd: -1 }, unknown: 1 } }).expect(400);
      const fields = (bad.body.details as { field: string }[]).map((d) => d.field);
      expect(fields).toEqual(expect.arrayContaining(['config.estimator', 'config.unknown']));
      const sd = await start({ config: { prior: { sd: -1 } } }).expect(400);
      expect(sd.body.details).toContainEqual(expect.objectContaining({ field: 'config.prior.sd' }));
    });

    it('should answer 404 NOT_FOUND for an unknown bank and 400 for a non-UUID bankId', async () => {
      const res = await start({ bankId: '00000000-0000-4000-8000-000000000000' }).expect(404);
      expect(res.body.code).toBe('NOT_FOUND');
      await start({ bankId: 'nope' }).expect(400);
    });
  });

  describe('a full exam', () => {
    it('should run to the stopping rule, keep every invariant, store a proficiency and drop the hot state', async () => {
      const started = await launch('cand-full', { maxItems: 12, seThreshold: 0 });
      const { examId, token } = started.body;
      let item = started.body.item;
      const random = seeded(3);
      let last: request.Response | undefined;
      for (let k = 1; item; k++) {
        last = await request(server)
          .post(`/v1/exams/${examId}/answers`)
          .set(bearer(token))
          .send({ itemId: item.id, answer: answerFor(item.id, correctKeyOf, random) })
          .expect(200);
        expect(last.body.answered).toBe(k);
        expect(await hotVersion(redis, examId)).toBe(last.body.done ? null : k);
        item = last.body.item;
      }
      expect(last!.body).toMatchObject({ answered: 12, done: true, item: null, stopReason: 'MAX_ITEMS' });
      await checkInvariants(db, examId);
      const { rows } = await db.query('SELECT theta, session_id FROM proficiency WHERE candidate_id = $1 AND bank_id = $2', ['cand-full', bankId]);
      expect(rows[0]).toMatchObject({ theta: last!.body.theta, session_id: examId });

      const view = await request(server).get(`/v1/exams/${examId}`).set(bearer(token)).expect(200);
      expect(view.body).toMatchObject({ examId, status: 'completed', answered: 12, item: null, expiresAt: null });

      const more = await request(server)
        .post(`/v1/exams/${examId}/answers`)
        .set(bearer(token))
        .send({ itemId: '00000000-0000-4000-8000-000000000000', answer: 'A' })
        .expect(409);
      expect(more.body.code).toBe('EXAM_FINISHED');

      const summary = await request(server).get(`/v1/exams/${examId}/result`).set(bearer(token)).expect(200);
      expect(summary.body).toMatchObject({ examId, status: 'completed', answered: 12, stopReason: 'MAX_ITEMS', theta: last!.body.theta });
      expect(summary.body.responses).toBeUndefined();
      expect(summary.body.candidateId).toBeUndefined();
      const full = await request(server).get(`/v1/exams/${examId}/result`).set(ADMIN).expect(200);
      expect(full.body.responses).toHaveLength(12);
      expect(Object.keys(full.body.responses[0]).sort()).toEqual(['answer', 'correct', 'createdAt', 'itemId', 'itemVersion', 'pretest', 'score', 'seAfter', 'seq', 'thetaAfter']);

      // The next exam may start from the stored proficiency.
      const next = await launch('cand-full', { startTheta: 'lastProficiency' });
      expect(next.body.theta).toBeCloseTo(last!.body.theta, 12);
    });

    it('should stop on the SE threshold', async () => {
      const started = await start({ config: { seThreshold: 0.6, maxItems: 40 } }).expect(201);
      let { item } = started.body;
      let body: { done: boolean; se: number; stopReason?: string; item: { id: string } | null } | undefined;
      const random = seeded(11);
      while (item) {
        const res = await request(server)
          .post(`/v1/exams/${started.body.examId}/answers`)
          .set(bearer(started.body.token))
          .send({ itemId: item.id, answer: answerFor(item.id, correctKeyOf, random) })
          .expect(200);
        body = res.body;
        item = res.body.item;
      }
      expect(body).toMatchObject({ done: true, stopReason: 'SE_THRESHOLD' });
      expect(body!.se).toBeLessThanOrEqual(0.6);
    });
  });

  describe('GET /v1/exams/:examId', () => {
    it('should show the current item and slide the expiry', async () => {
      const started = await start().expect(201);
      await db.query(`UPDATE exam_session SET last_activity_at = now() - interval '10 minutes' WHERE id = $1`, [started.body.examId]);
      const res = await request(server).get(`/v1/exams/${started.body.examId}`).set(bearer(started.body.token)).expect(200);
      expect(res.body).toMatchObject({ examId: started.body.examId, status: 'active', answered: 0, item: started.body.item });
      expect(new Date(res.body.expiresAt).getTime()).toBeGreaterThan(Date.now() + 29 * 60_000);
      expect(await redis.ttl(stateKey(started.body.examId))).toBeGreaterThan(1700);
    });
  });

  describe('auth', () => {
    it('should answer 401 without a token, with a malformed one, or with the token of another exam', async () => {
      const one = await start().expect(201);
      const two = await start().expect(201);
      const noToken = await request(server).get(`/v1/exams/${one.body.examId}`).expect(401);
      expect(noToken.body.code).toBe('UNAUTHORIZED');
      await request(server).get(`/v1/exams/${one.body.examId}`).set({ authorization: 'Bearer short' }).expect(401);
      const other = await request(server).get(`/v1/exams/${one.body.examId}`).set(bearer(two.body.token)).expect(401);
      expect(other.body.code).toBe('UNAUTHORIZED');
      await request(server)
        .post(`/v1/exams/${one.body.examId}/answers`)
        .set(bearer(two.body.token))
        .send({ itemId: one.body.item.id, answer: 'A' })
        .expect(401);
      // The admin key does not open the candidate's routes, only the result.
      await request(server).get(`/v1/exams/${one.body.examId}`).set(ADMIN).expect(401);
    });

    it('should answer the same 401 for an unknown exam as for an existing one (no existence oracle), 400 for a non-UUID id', async () => {
      const one = await start().expect(201);
      const two = await start().expect(201);
      const unknown = await request(server).get('/v1/exams/00000000-0000-4000-8000-000000000000').set(bearer(one.body.token)).expect(401);
      const existing = await request(server).get(`/v1/exams/${two.body.examId}`).set(bearer(one.body.token)).expect(401);
      expect(unknown.body).toEqual(existing.body);
      const bad = await request(server).get('/v1/exams/not-a-uuid').set(bearer(one.body.token)).expect(400);
      expect(bad.body).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'examId', message: 'must be a UUID' }] });
      await request(server).get('/v1/exams/00000000-0000-4000-8000-000000000000/result').set(ADMIN).expect(404);
    });
  });

  describe('POST /v1/exams/:examId/answers', () => {
    it('should reject an item that is not being shown with 409 NOT_CURRENT_ITEM', async () => {
      const started = await start().expect(201);
      const otherItem = [...correctKeyOf.keys()].find((id) => id !== started.body.item.id)!;
      const res = await request(server)
        .post(`/v1/exams/${started.body.examId}/answers`)
        .set(bearer(started.body.token))
        .send({ itemId: otherItem, answer: 'A' })
        .expect(409);
      expect(res.body.code).toBe('NOT_CURRENT_ITEM');
    });

    it('should validate the body (itemId UUID, answer among the option keys)', async () => {
      const started = await start().expect(201);
      const url = `/v1/exams/${started.body.examId}/answers`;
      const bad = await request(server).post(url).set(bearer(started.body.token)).send({ itemId: 'x', answer: 'A' }).expect(400);
      expect(bad.body.details).toContainEqual(expect.objectContaining({ field: 'itemId' }));
      const key = await request(server).post(url).set(bearer(started.body.token)).send({ itemId: started.body.item.id, answer: 'Z' }).expect(400);
      expect(key.body.details).toEqual([{ field: 'answer', message: "must be one of the item's option keys" }]);
    });

    it('should replay an identical answer with the same body and reject a different one with 409 ALREADY_ANSWERED', async () => {
      const started = await start().expect(201);
      const { examId, token, item } = started.body;
      const send = (answer: string) => request(server).post(`/v1/exams/${examId}/answers`).set(bearer(token)).send({ itemId: item.id, answer });
      const first = await send('A').expect(200);
      const again = await send('A').expect(200);
      expect(again.body).toEqual(first.body);
      const changed = await send('B').expect(409);
      expect(changed.body.code).toBe('ALREADY_ANSWERED');
      // Answer the next item, then replay the first again: still the original body.
      await request(server).post(`/v1/exams/${examId}/answers`).set(bearer(token)).send({ itemId: first.body.item.id, answer: 'C' }).expect(200);
      const later = await send('A').expect(200);
      expect(later.body).toEqual(first.body);
      expect((await checkInvariants(db, examId)).answered).toBe(2);
    });

    it('should record exactly one response for 50 parallel identical submissions', async () => {
      const started = await start().expect(201);
      const { examId, token, item } = started.body;
      const replies = await Promise.all(
        Array.from({ length: 50 }, () =>
          request(server).post(`/v1/exams/${examId}/answers`).set(bearer(token)).send({ itemId: item.id, answer: 'B' }),
        ),
      );
      const ok = replies.filter((r) => r.status === 200);
      const busy = replies.filter((r) => r.status === 409);
      expect(ok.length + busy.length).toBe(50);
      expect(ok.length).toBeGreaterThanOrEqual(1);
      for (const r of ok) expect(r.body).toEqual(ok[0].body);
      for (const r of busy) expect(r.body.code).toBe('SUBMISSION_IN_PROGRESS');
      const { rows } = await db.query('SELECT count(*)::int AS n FROM response WHERE session_id = $1', [examId]);
      expect(rows[0].n).toBe(1);
      await checkInvariants(db, examId);
      expect(await redis.exists(lockKey(examId))).toBe(0);
    });

    it('should answer 409 SUBMISSION_IN_PROGRESS while another submission holds the lock', async () => {
      const started = await start().expect(201);
      await redis.set(lockKey(started.body.examId), 'someone-else', 'PX', 5_000);
      const res = await request(server)
        .post(`/v1/exams/${started.body.examId}/answers`)
        .set(bearer(started.body.token))
        .send({ itemId: started.body.item.id, answer: 'A' })
        .expect(409);
      expect(res.body.code).toBe('SUBMISSION_IN_PROGRESS');
      // Only the owner releases a lock: ours is untouched.
      expect(await redis.get(lockKey(started.body.examId))).toBe('someone-else');
      await redis.del(lockKey(started.body.examId));
    });

    it('should continue with the same θ and next item when the hot state is flushed mid-exam', async () => {
      const config = { maxItems: 10, seThreshold: 0, selection: { randomesque: 3 } };
      const run = async (on: ReturnType<typeof appServer>, examId: string, token: string, flushAfter: number | null) => {
        let item = (await request(on).get(`/v1/exams/${examId}`).set(bearer(token)).expect(200)).body.item;
        const random = seeded(5);
        const bodies: unknown[] = [];
        for (let k = 0; item; k++) {
          if (k === flushAfter) {
            await redis.del(stateKey(examId), lockKey(examId));
            expect(await redis.exists(stateKey(examId))).toBe(0);
          }
          const res = await request(on)
            .post(`/v1/exams/${examId}/answers`)
            .set(bearer(token))
            .send({ itemId: item.id, answer: answerFor(item.id, correctKeyOf, random) })
            .expect(200);
          bodies.push(res.body);
          item = res.body.item;
        }
        await checkInvariants(db, examId);
        return bodies;
      };
      const first = await start({ config }).expect(201);
      const undisturbed = await run(server, first.body.examId, first.body.token, null);

      // A second exam with the first one's seed and first item, run on a fresh instance (nothing cached),
      // its hot state flushed after 4 answers: every answer must come out exactly as in the first run.
      const second = await start({ config }).expect(201);
      await db.query(
        `UPDATE exam_session SET (rng_seed, current_item) = (SELECT rng_seed, (SELECT i.ordinal FROM item i WHERE i.id = $3) FROM exam_session WHERE id = $2) WHERE id = $1`,
        [second.body.examId, first.body.examId, first.body.item.id],
      );
      await redis.del(stateKey(second.body.examId));
      const other = await startApp();
      try {
        const flushed = await run(appServer(other), second.body.examId, second.body.token, 4);
        expect(flushed).toEqual(undisturbed);
      } finally {
        await other.close();
      }
    });

    it('should keep the hot state compact: MEMORY USAGE after 20 answers', async () => {
      const started = await start({ config: { maxItems: 21, seThreshold: 0 } }).expect(201);
      const { examId, token } = started.body;
      let item = started.body.item;
      const random = seeded(8);
      for (let k = 0; k < 20; k++) {
        const res = await request(server)
          .post(`/v1/exams/${examId}/answers`)
          .set(bearer(token))
          .send({ itemId: item.id, answer: answerFor(item.id, correctKeyOf, random) })
          .expect(200);
        item = res.body.item;
      }
      const bytes = Number(await redis.call('MEMORY', 'USAGE', stateKey(examId)));
      const raw = (await redis.getBuffer(stateKey(examId)))!;
      console.log(`hot state after 20 answers: ${raw.length} bytes of value, MEMORY USAGE ${bytes} bytes (key ${stateKey(examId).length} chars)`);
      expect(bytes).toBeLessThanOrEqual(300);
      expect(await hotVersion(redis, examId)).toBe(20);
      // Nothing secret in there: no correct keys, no item text, no UUIDs.
      expect(raw.toString('latin1')).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}|Question/);
    });
  });

  describe('POST /v1/exams/:examId/finish', () => {
    it('should complete the exam, upsert the proficiency, drop the hot state and be idempotent', async () => {
      const started = await launch('finisher', {});
      const { examId, token, item } = started.body;
      const answered = await request(server).post(`/v1/exams/${examId}/answers`).set(bearer(token)).send({ itemId: item.id, answer: 'A' }).expect(200);
      const res = await request(server).post(`/v1/exams/${examId}/finish`).set(bearer(token)).expect(200);
      expect(res.body).toEqual({ status: 'completed', answered: 1, theta: answered.body.theta, se: answered.body.se });
      expect(await redis.exists(stateKey(examId))).toBe(0);
      await request(server).post(`/v1/exams/${examId}/finish`).set(bearer(token)).expect(200);
      const { rows } = await db.query('SELECT theta FROM proficiency WHERE candidate_id = $1 AND bank_id = $2', ['finisher', bankId]);
      expect(rows[0].theta).toBe(answered.body.theta);
      const next = await request(server)
        .post(`/v1/exams/${examId}/answers`)
        .set(bearer(token))
        .send({ itemId: answered.body.item.id, answer: 'A' })
        .expect(409);
      expect(next.body.code).toBe('EXAM_FINISHED');
      await checkInvariants(db, examId);
    });
  });

  describe('expiry', () => {
    it('should answer 410 EXAM_EXPIRED for an exam idle past the TTL, even before the sweep', async () => {
      const started = await start().expect(201);
      const { examId, token, item } = started.body;
      await db.query(`UPDATE exam_session SET last_activity_at = now() - interval '31 minutes' WHERE id = $1`, [examId]);
      const answer = await request(server).post(`/v1/exams/${examId}/answers`).set(bearer(token)).send({ itemId: item.id, answer: 'A' }).expect(410);
      expect(answer.body.code).toBe('EXAM_EXPIRED');
      const view = await request(server).get(`/v1/exams/${examId}`).set(bearer(token)).expect(410);
      expect(view.body.code).toBe('EXAM_EXPIRED');
      await request(server).post(`/v1/exams/${examId}/finish`).set(bearer(token)).expect(410);
      const { rows } = await db.query('SELECT status FROM exam_session WHERE id = $1', [examId]);
      expect(rows[0].status).toBe('EXPIRED');
      expect(await redis.exists(stateKey(examId))).toBe(0);
      await checkInvariants(db, examId);
    });
  });
});
