import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Redis } from 'ioredis';
import type pg from 'pg';
import request from 'supertest';
import { ADMIN, answerFor, appServer, bearer, checkInvariants, createBank, seeded, sqlClient, startExam } from './support/exam-fixtures.js';
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
