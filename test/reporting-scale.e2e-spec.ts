import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { answerUntilDone } from './support/client-fixtures.js';
import { ADMIN, appServer, bearer, makeItems, startExam } from './support/exam-fixtures.js';
import { startApp } from './support/test-app.js';

const SCALE = {
  slope: 50,
  intercept: 500,
  decimals: 0,
  min: 300,
  max: 700,
  bands: [
    { min: 300, label: 'Below basic' },
    { min: 450, label: 'Basic' },
    { min: 550, label: 'Proficient' },
  ],
};

/** The band a scaled score falls in, as the scale defines it. */
const bandOf = (score: number) => SCALE.bands.reduce((found, band, index) => (index === 0 || score >= band.min ? { index, label: band.label } : found), { index: 0, label: '' });

describe('Reporting scales (e2e)', () => {
  let app: NestFastifyApplication;
  let server: ReturnType<typeof appServer>;

  beforeAll(async () => {
    app = await startApp();
    server = appServer(app);
  });
  afterAll(async () => {
    await app.close();
  });

  async function bankWith(reportingScale?: object): Promise<{ bankId: string; correctKeyOf: Map<string, string> }> {
    const bank = await request(server).post('/v1/item-banks').set(ADMIN).send({ name: 'scaled', reportingScale }).expect(201);
    const items = makeItems(20, 61);
    await request(server).post(`/v1/item-banks/${bank.body.id}/items`).set(ADMIN).send({ items }).expect(201);
    const { body } = await request(server).get(`/v1/item-banks/${bank.body.id}/items`).set(ADMIN).expect(200);
    return { bankId: bank.body.id, correctKeyOf: new Map(body.items.map((item: { id: string; correctKey: string }) => [item.id, item.correctKey])) };
  }

  it('should report the scaled score and band beside θ to a key, and to the candidate only with feedback theta', async () => {
    const { bankId, correctKeyOf } = await bankWith(SCALE);
    expect((await request(server).get(`/v1/item-banks/${bankId}`).set(ADMIN).expect(200)).body.reportingScale).toEqual(SCALE);
    for (const feedback of ['theta', 'progress']) {
      const started = await startExam(server, { bankId, candidateId: `scaled-${feedback}`, config: { maxItems: 6, minItems: 6, seThreshold: 0, feedback } }).expect(201);
      await answerUntilDone(server, started.body, correctKeyOf, { pCorrect: 0.7 });
      const full = (await request(server).get(`/v1/exams/${started.body.examId}/result`).set(ADMIN).expect(200)).body;
      const expected = Math.min(700, Math.max(300, Math.round(50 * full.theta + 500)));
      expect(full).toMatchObject({ scaledScore: expected, band: bandOf(expected) });
      const candidate = (await request(server).get(`/v1/exams/${started.body.examId}/result`).set(bearer(started.body.token)).expect(200)).body;
      if (feedback === 'theta') expect(candidate).toMatchObject({ theta: full.theta, scaledScore: expected, band: bandOf(expected) });
      else expect(candidate).not.toHaveProperty('scaledScore');
    }
  });

  it('should set, change and remove a scale by PATCH, and refuse an inconsistent one naming the field', async () => {
    const { bankId } = await bankWith();
    const before = (await request(server).get(`/v1/item-banks/${bankId}`).set(ADMIN).expect(200)).body;
    expect(before.reportingScale).toBeNull();
    const set = await request(server).patch(`/v1/item-banks/${bankId}`).set(ADMIN).send({ reportingScale: { slope: 10, intercept: 100 } }).expect(200);
    expect(set.body).toMatchObject({ reportingScale: { slope: 10, intercept: 100, decimals: 0, min: null, max: null, bands: [] }, version: before.version + 1 });
    const renamed = await request(server).patch(`/v1/item-banks/${bankId}`).set(ADMIN).send({ name: 'renamed' }).expect(200);
    expect(renamed.body).toMatchObject({ name: 'renamed', reportingScale: { slope: 10 } });
    const removed = await request(server).patch(`/v1/item-banks/${bankId}`).set(ADMIN).send({ reportingScale: null }).expect(200);
    expect(removed.body.reportingScale).toBeNull();

    const bad = await request(server)
      .patch(`/v1/item-banks/${bankId}`)
      .set(ADMIN)
      .send({ reportingScale: { slope: 0, intercept: 1, min: 5, max: 1, bands: [{ min: 2, label: 'a' }, { min: 1, label: 'b' }] } })
      .expect(400);
    expect(bad.body.details.map((d: { field: string }) => d.field)).toEqual(['reportingScale.slope', 'reportingScale.max', 'reportingScale.bands.1.min']);
    const shape = await request(server).post('/v1/item-banks').set(ADMIN).send({ name: 'x', reportingScale: { slope: 'steep', intercept: 0, decimals: 9 } }).expect(400);
    expect(shape.body.code).toBe('VALIDATION_FAILED');
    await request(server).patch('/v1/item-banks/00000000-0000-4000-8000-000000000000').set(ADMIN).send({ name: 'x' }).expect(404);
  });
});
