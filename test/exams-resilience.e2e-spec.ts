import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Redis } from 'ioredis';
import type pg from 'pg';
import request from 'supertest';
import { ADMIN, answerFor, appServer, bearer, checkInvariants, createBank, createDefinition, seeded, sqlClient, startExam } from './support/exam-fixtures.js';
import { TcpProxy } from './support/tcp-proxy.js';
import { PROJECT_ROOT } from './setup/test-env.js';
import { spawnServer, stopServer } from './support/server-process.js';
import { startApp } from './support/test-app.js';

const stateKey = (examId: string) => `${process.env.REDIS_KEY_PREFIX}{exam:${examId}}:state`;

describe('Exams across failures and instances (e2e)', () => {
  let db: pg.Client;
  let redis: Redis;

  beforeAll(async () => {
    db = await sqlClient();
    redis = new Redis(process.env.REDIS_URL!);
  });
  afterAll(async () => {
    await db.end();
    await redis.quit();
  });

  describe('when Redis goes away mid-exam', () => {
    const redisUrl = new URL(process.env.REDIS_URL!);
    const proxy = new TcpProxy(redisUrl.hostname, Number(redisUrl.port || 6379));
    let app: NestFastifyApplication;

    beforeAll(async () => {
      const port = await proxy.start();
      const viaProxy = new URL(process.env.REDIS_URL!);
      viaProxy.host = `127.0.0.1:${port}`;
      app = await startApp({ REDIS_URL: viaProxy.toString() });
    });
    afterAll(async () => {
      await proxy.stop();
      await app.close();
    });

    it('should finish the exam from Postgres alone, losing nothing and recording no duplicate', async () => {
      const server = appServer(app);
      const { bankId, correctKeyOf } = await createBank(server, 120, 21);
      const started = await startExam(server, { bankId, candidateId: 'outage', config: { maxItems: 12, seThreshold: 0 } })
        .expect(201);
      const { examId, token } = started.body;
      let item = started.body.item;
      const random = seeded(2);
      const answer = async () => {
        const body = { itemId: item.id, answer: answerFor(item.id, correctKeyOf, random) };
        const began = Date.now();
        const res = await request(server).post(`/v1/exams/${examId}/answers`).set(bearer(token)).send(body).expect(200);
        expect(Date.now() - began).toBeLessThan(2_000);
        // Replaying during the outage must not record a second response either.
        await request(server).post(`/v1/exams/${examId}/answers`).set(bearer(token)).send(body).expect(200);
        item = res.body.item;
        return res.body;
      };
      for (let k = 0; k < 4; k++) await answer();
      expect(await redis.getBuffer(stateKey(examId)).then((b) => b?.readUInt32BE(0))).toBe(4);

      await proxy.stop();
      for (let k = 0; k < 4; k++) await answer();
      const during = await request(server).get('/v1/admin/stats').set(ADMIN).expect(200);
      expect(during.body.redis.connected).toBe(false);
      expect(during.body.redis.fallbacks).toBeGreaterThan(0);
      await request(server).get(`/v1/exams/${examId}`).set(bearer(token)).expect(200);

      // Redis comes back holding the state of version 4 while Postgres is at 8: it is stale, never ahead.
      await proxy.restart();
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      const hot = await redis.getBuffer(stateKey(examId));
      const { rows } = await db.query('SELECT version FROM exam_session WHERE id = $1', [examId]);
      expect(hot!.readUInt32BE(0)).toBeLessThanOrEqual(rows[0].version);

      let last: { done: boolean; answered: number } | undefined;
      while (item) last = await answer();
      expect(last).toMatchObject({ done: true, answered: 12 });
      const { answered } = await checkInvariants(db, examId);
      expect(answered).toBe(12);
    }, 30_000);

    it('should complete an exam on its last answer with Redis down: once, with its stop reason and the proficiency', async () => {
      const server = appServer(app);
      const { bankId, correctKeyOf } = await createBank(server, 60, 22);
      const testDefinitionId = await createDefinition(server, bankId, { feedback: 'theta', maxItems: 5, seThreshold: 0 });
      const started = await request(server).post('/v1/exams').set(ADMIN).send({ testDefinitionId, candidateId: 'outage-final' }).expect(201);
      const { examId, token } = started.body;
      let item = started.body.item;
      const random = seeded(5);
      await proxy.stop();
      try {
        let last: { done: boolean; answered: number; theta: number; stopReason?: string; item: typeof item } | undefined;
        while (item) {
          const body = { itemId: item.id, answer: answerFor(item.id, correctKeyOf, random) };
          const send = () => request(server).post(`/v1/exams/${examId}/answers`).set(bearer(token)).send(body);
          // Every answer twice at once: the advisory lock lets one write; the other replays it or is told to retry.
          const replies = await Promise.all([send(), send()]);
          const statuses = replies.map((res) => res.status).sort();
          expect([[200, 200], [200, 409]]).toContainEqual(statuses);
          last = replies.find((res) => res.status === 200)!.body;
          item = last!.item;
        }
        expect(last).toMatchObject({ done: true, answered: 5, stopReason: 'MAX_ITEMS' });
        await checkInvariants(db, examId);
        const session = await db.query('SELECT status, stop_reason, completed_at, ended_at, theta FROM exam_session WHERE id = $1', [examId]);
        expect(session.rows[0]).toMatchObject({ status: 'COMPLETED', stop_reason: 'MAX_ITEMS', theta: last!.theta });
        expect(session.rows[0].completed_at).toBeInstanceOf(Date);
        expect(session.rows[0].ended_at).toBeInstanceOf(Date);
        const proficiency = await db.query('SELECT theta, session_id FROM proficiency WHERE candidate_id = $1 AND bank_id = $2', ['outage-final', bankId]);
        expect(proficiency.rows).toEqual([{ theta: last!.theta, session_id: examId }]);
      } finally {
        await proxy.restart();
      }
    }, 30_000);
  });

  describe('two server processes sharing the stores', () => {
    let one: { url: string; child: ChildProcess };
    let two: { url: string; child: ChildProcess };

    beforeAll(async () => {
      if (!existsSync(`${PROJECT_ROOT}/dist/main.js`)) throw new Error('dist/main.js is missing: run `npm run build` first');
      [one, two] = await Promise.all([spawnServer(), spawnServer()]);
    }, 30_000);
    afterAll(async () => {
      await Promise.all([one && stopServer(one.child), two && stopServer(two.child)]);
    });

    it('should finish on one instance an exam started on the other, alternating between them', async () => {
      const { bankId, correctKeyOf } = await createBank(one.url, 150, 33);
      const started = await startExam(one.url, { bankId, candidateId: 'fleet', config: { maxItems: 10, seThreshold: 0, selection: { randomesque: 4 } } })
        .expect(201);
      const { examId, token } = started.body;
      let item = started.body.item;
      const random = seeded(4);
      let body: { done: boolean; answered: number } | undefined;
      for (let k = 0; item; k++) {
        const url = k % 2 === 0 ? two.url : one.url;
        const res = await request(url)
          .post(`/v1/exams/${examId}/answers`)
          .set(bearer(token))
          .send({ itemId: item.id, answer: answerFor(item.id, correctKeyOf, random) })
          .expect(200);
        body = res.body;
        item = res.body.item;
        if (item) expect((await request(k % 2 === 0 ? one.url : two.url).get(`/v1/exams/${examId}`).set(bearer(token)).expect(200)).body.item).toEqual(item);
      }
      expect(body).toMatchObject({ done: true, answered: 10 });
      const result = await request(two.url).get(`/v1/exams/${examId}/result`).set(ADMIN).expect(200);
      expect(result.body.responses).toHaveLength(10);
      await checkInvariants(db, examId);
    }, 30_000);
  });
});
