import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { ADMIN, appServer, createBank, startExam } from './support/exam-fixtures.js';
import { startApp } from './support/test-app.js';

describe('Admin and scoring (e2e)', () => {
  let app: NestFastifyApplication;
  let server: ReturnType<typeof appServer>;

  beforeAll(async () => {
    app = await startApp();
    server = appServer(app);
  });
  afterAll(async () => {
    await app.close();
  });

  describe('POST /v1/estimate', () => {
    const items = [
      { a: 1.2, b: -1 },
      { a: 0.9, b: 0, c: 0.2 },
      { a: 1.5, b: 1, c: 0.1, d: 0.95 },
    ];

    it('should score a response pattern', async () => {
      const res = await request(server).post('/v1/estimate').set(ADMIN).send({ items, responses: [1, 1, 0], estimator: 'EAP' }).expect(200);
      expect(res.body).toEqual({ theta: expect.any(Number), se: expect.any(Number), estimatorUsed: 'EAP' });
      expect(res.body.se).toBeGreaterThan(0);
      const mle = await request(server).post('/v1/estimate').set(ADMIN).send({ items, responses: [1, 1, 1], estimator: 'MLE' }).expect(200);
      expect(mle.body.estimatorUsed).toBe('MAP');
    });

    it('should reject mismatched lengths and bad parameters with 400', async () => {
      const res = await request(server).post('/v1/estimate').set(ADMIN).send({ items, responses: [1, 0], estimator: 'EAP' }).expect(400);
      expect(res.body.details).toContainEqual(expect.objectContaining({ field: 'responses' }));
      const bad = await request(server)
        .post('/v1/estimate')
        .set(ADMIN)
        .send({ items: [{ a: -1, b: 0 }], responses: [2], estimator: 'EAP' })
        .expect(400);
      expect((bad.body.details as { field: string }[]).map((d) => d.field)).toEqual(expect.arrayContaining(['responses.0']));
      const params = await request(server).post('/v1/estimate').set(ADMIN).send({ items: [{ a: -1, b: 0 }], responses: [1] }).expect(400);
      expect(params.body.details).toContainEqual(expect.objectContaining({ field: 'items.0.a' }));
      await request(server).post('/v1/estimate').send({ items, responses: [1, 1, 0] }).expect(401);
    });
  });

  describe('GET /v1/admin/stats', () => {
    it('should report sessions, locks, Redis and the bank snapshots in memory', async () => {
      const { bankId } = await createBank(server, 20, 4);
      await startExam(server, { bankId, candidateId: 's' }).expect(201);
      await startExam(server, { bankId, candidateId: 's' }).expect(201);
      const res = await request(server).get('/v1/admin/stats').set(ADMIN).expect(200);
      expect(res.body).toMatchObject({
        activeSessions: expect.any(Number),
        locksHeld: 0,
        redis: { connected: true, usedMemoryBytes: expect.any(Number) },
        bankSnapshots: { banks: expect.any(Number), items: expect.any(Number), bytes: expect.any(Number), loads: expect.any(Number) },
      });
      expect(res.body.activeSessions).toBeGreaterThanOrEqual(2);
      // The bank the exams started on is held in memory, with its 20 items.
      expect(res.body.bankSnapshots.banks).toBeGreaterThanOrEqual(1);
      expect(res.body.bankSnapshots.items).toBeGreaterThanOrEqual(20);
      expect(res.body.bankSnapshots.bytes).toBeGreaterThan(0);
      // Both exams' facts are kept for their answers.
      expect(res.body.examCache.exams).toBeGreaterThanOrEqual(2);
      expect(res.body.examCache.bytes).toBeGreaterThan(2 * 600);
      await request(server).get('/v1/admin/stats').expect(401);
    });
  });

  describe('POST /v1/admin/sessions/cleanup', () => {
    it('should run the sweep and report how many exams it expired', async () => {
      const res = await request(server).post('/v1/admin/sessions/cleanup').set(ADMIN).expect(200);
      expect(res.body).toEqual({ expired: expect.any(Number) });
      await request(server).post('/v1/admin/sessions/cleanup').expect(401);
    });
  });
});
