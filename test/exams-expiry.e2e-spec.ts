import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Redis } from 'ioredis';
import type pg from 'pg';
import request from 'supertest';
import { ADMIN, appServer, bearer, createBank, sqlClient, startExam } from './support/exam-fixtures.js';
import { createDatabase, databaseUrl, dropDatabase, prismaCli, uniqueTestDatabaseName } from './setup/test-env.js';
import { startApp } from './support/test-app.js';

const stateKey = (examId: string) => `${process.env.REDIS_KEY_PREFIX}{exam:${examId}}:state`;

/**
 * A one-second TTL would expire the other test files' exams, so this file gets a database of its own.
 */
describe('Session expiry (e2e)', () => {
  const database = uniqueTestDatabaseName('expiry');
  let app: NestFastifyApplication;
  let server: ReturnType<typeof appServer>;
  let db: pg.Client;
  let redis: Redis;

  beforeAll(async () => {
    await createDatabase(database);
    const migrated = prismaCli(['migrate', 'deploy'], database);
    if (migrated.status !== 0) throw new Error(migrated.output);
    app = await startApp({ DATABASE_URL: databaseUrl(database), SESSION_TTL_SECONDS: '1', SESSION_SWEEP_INTERVAL_MS: '300' });
    server = appServer(app);
    db = await sqlClient(databaseUrl(database));
    redis = new Redis(process.env.REDIS_URL!);
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await db?.end();
    await redis?.quit();
    await dropDatabase(database);
  });

  it('should expire an idle exam in the scheduled sweep: 410 EXAM_EXPIRED and no hot state', async () => {
    const { bankId } = await createBank(server, 10, 5);
    const started = await startExam(server, { bankId, candidateId: 'idle' }).expect(201);
    const { examId, token, item } = started.body;
    expect(await redis.exists(stateKey(examId))).toBe(1);

    await new Promise((resolve) => setTimeout(resolve, 1_800));
    const { rows } = await db.query('SELECT status FROM exam_session WHERE id = $1', [examId]);
    expect(rows[0].status).toBe('EXPIRED');
    expect(await redis.exists(stateKey(examId))).toBe(0);

    const res = await request(server).post(`/v1/exams/${examId}/answers`).set(bearer(token)).send({ itemId: item.id, answer: 'A' }).expect(410);
    expect(res.body).toMatchObject({ statusCode: 410, code: 'EXAM_EXPIRED' });
    await request(server).get(`/v1/exams/${examId}`).set(bearer(token)).expect(410);
    const result = await request(server).get(`/v1/exams/${examId}/result`).set(bearer(token)).expect(200);
    expect(result.body.status).toBe('expired');
  });

  it('should expire idle exams on POST /v1/admin/sessions/cleanup and report the count', async () => {
    // A second instance without the scheduled sweep, so the count is exactly what this call expired.
    await app.close();
    app = await startApp({ DATABASE_URL: databaseUrl(database), SESSION_TTL_SECONDS: '1', SESSION_SWEEP_INTERVAL_MS: '0' });
    server = appServer(app);
    const { bankId } = await createBank(server, 10, 6);
    const exams = await Promise.all(
      [1, 2, 3].map(() => startExam(server, { bankId, candidateId: 'idle' }).expect(201)),
    );
    const ids = exams.map((e) => e.body.examId as string);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const res = await request(server).post('/v1/admin/sessions/cleanup').set(ADMIN).expect(200);
    expect(res.body).toEqual({ expired: 3 });
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM exam_session WHERE id = ANY($1::uuid[]) AND status = 'EXPIRED'`, [ids]);
    expect(rows[0].n).toBe(3);
    for (const id of ids) expect(await redis.exists(stateKey(id))).toBe(0);
    const again = await request(server).post('/v1/admin/sessions/cleanup').set(ADMIN).expect(200);
    expect(again.body).toEqual({ expired: 0 });
  });
});
