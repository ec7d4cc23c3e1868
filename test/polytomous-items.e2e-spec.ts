import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { ADMIN, appServer, bearer, makeItems, seeded, startExam } from './support/exam-fixtures.js';
import { startApp } from './support/test-app.js';

interface StoredItem {
  id: string;
  model: string;
  a: number;
  b: number;
  c: number;
  d: number;
  thresholds: number[] | null;
  correctKey: string | null;
  options: { key: string; text: string; score?: number }[];
}

const LIKERT = ['Never', 'Sometimes', 'Often', 'Always'];

/** A polytomous item with four ordered categories (three thresholds), one option per score. */
function likertItem(model: 'GRM' | 'GPCM' | 'PCM', i: number, random: () => number) {
  const start = -2 + 2 * random();
  const thresholds = [start, start + 0.6 + random(), start + 1.8 + random()];
  return {
    externalId: `${model}-${i}`,
    stem: `${model} statement ${i}`,
    model,
    a: model === 'PCM' ? 1 : 0.8 + random(),
    thresholds,
    options: LIKERT.map((text, score) => ({ key: String.fromCharCode(65 + score), text, score })),
    contentArea: 'scale',
  };
}

describe('Polytomous items (e2e)', () => {
  let app: NestFastifyApplication;
  let server: ReturnType<typeof appServer>;
  let bankId: string;
  let items: Map<string, StoredItem>;

  beforeAll(async () => {
    app = await startApp();
    server = appServer(app);
    const random = seeded(13);
    const bank = await request(server).post('/v1/item-banks').set(ADMIN).send({ name: 'mixed' }).expect(201);
    bankId = bank.body.id;
    const mixed = [
      ...makeItems(10, 13, 'dich'),
      ...Array.from({ length: 10 }, (_, i) => likertItem('GRM', i, random)),
      ...Array.from({ length: 10 }, (_, i) => likertItem('GPCM', i, random)),
      ...Array.from({ length: 4 }, (_, i) => likertItem('PCM', i, random)),
    ];
    await request(server).post(`/v1/item-banks/${bankId}/items`).set(ADMIN).send({ items: mixed }).expect(201);
    const page = await request(server).get(`/v1/item-banks/${bankId}/items`).query({ limit: 100 }).set(ADMIN).expect(200);
    items = new Map((page.body.items as StoredItem[]).map((item) => [item.id, item]));
  });
  afterAll(async () => {
    await app.close();
  });

  it('should store each model with its fields: thresholds and scored options, or a correct key', () => {
    const byModel = (model: string) => [...items.values()].filter((item) => item.model === model);
    expect(byModel('4PL')).toHaveLength(10);
    expect(byModel('GRM')).toHaveLength(10);
    expect(byModel('GPCM')).toHaveLength(10);
    expect(byModel('PCM')).toHaveLength(4);
    const grm = byModel('GRM')[0];
    expect(grm).toMatchObject({ correctKey: null, c: 0, d: 1 });
    expect(grm.thresholds).toHaveLength(3);
    expect(grm.b).toBeCloseTo(grm.thresholds!.reduce((sum, t) => sum + t, 0) / 3, 12);
    expect(grm.options.map((option) => option.score)).toEqual([0, 1, 2, 3]);
    expect(byModel('4PL')[0]).toMatchObject({ thresholds: null, correctKey: expect.any(String) });
    expect(byModel('PCM').every((item) => item.a === 1)).toBe(true);
  });

  it('should refuse items whose model fields do not fit, naming each field', async () => {
    const random = seeded(5);
    const good = likertItem('GRM', 0, random);
    const bad = [
      { ...good, externalId: 'x0', thresholds: [0, 1, 0.5] },
      { ...good, externalId: 'x1', correctKey: 'A' },
      { ...good, externalId: 'x2', options: good.options.map(({ key, text }) => ({ key, text })) },
      { ...good, externalId: 'x3', options: good.options.slice(0, 3) },
      { ...good, externalId: 'x4', model: 'PCM', a: 1.4 },
      { ...makeItems(1, 1, 'y')[0], correctKey: undefined },
      { ...makeItems(1, 2, 'z')[0], options: [{ key: 'A', text: 'a', score: 1 }, { key: 'B', text: 'b' }], correctKey: 'A' },
      { ...good, externalId: 'x7', thresholds: Array.from({ length: 10 }, (_, k) => k) },
    ];
    const res = await request(server).post(`/v1/item-banks/${bankId}/items`).set(ADMIN).send({ items: bad }).expect(400);
    const fields = (res.body.details as { field: string }[]).map((detail) => detail.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'items.0.thresholds.2',
        'items.1.correctKey',
        'items.2.options.0.score',
        'items.3.options',
        'items.4.a',
        'items.5.correctKey',
        'items.6.options.0.score',
        'items.7.thresholds',
      ]),
    );
  });

  it('should run complete exams over the mixed bank, score every option, and replay θ exactly through /v1/estimate', async () => {
    const random = seeded(99);
    for (let exam = 0; exam < 3; exam++) {
      const started = await startExam(server, { bankId, candidateId: `mixed-${exam}`, config: { minItems: 15, maxItems: 15, seThreshold: 0 } }).expect(201);
      const { examId, token } = started.body as { examId: string; token: string };
      let item = started.body.item as { id: string; options: { key: string }[] } | null;
      let answered = 0;
      while (item) {
        // What a candidate sees: never scores, thresholds or keys.
        expect(Object.keys(item).sort()).toEqual(['id', 'options', 'stem']);
        for (const option of item.options) expect(Object.keys(option).sort()).toEqual(['key', 'text']);
        const key = item.options[Math.floor(random() * item.options.length)].key;
        const reply = await request(server).post(`/v1/exams/${examId}/answers`).set(bearer(token)).send({ itemId: item.id, answer: key }).expect(200);
        answered++;
        item = reply.body.item;
      }
      expect(answered).toBe(15);
      const result = (await request(server).get(`/v1/exams/${examId}/result`).set(ADMIN).expect(200)).body as {
        theta: number;
        se: number;
        responses: { itemId: string; answer: string; score: number; correct: boolean }[];
      };
      const used = result.responses.map((response) => items.get(response.itemId)!);
      expect(new Set(used.map((stored) => stored.model)).size).toBeGreaterThan(1);
      result.responses.forEach((response, k) => {
        const stored = used[k];
        const option = stored.options.find((candidate) => candidate.key === response.answer)!;
        const expected = stored.model === '4PL' ? Number(response.answer === stored.correctKey) : option.score!;
        expect(response.score).toBe(expected);
        expect(response.correct).toBe(stored.model === '4PL' ? expected === 1 : expected === 3);
      });
      const estimate = await request(server)
        .post('/v1/estimate')
        .set(ADMIN)
        .send({
          items: used.map(({ model, a, b, c, d, thresholds }) => (model === '4PL' ? { a, b, c, d } : { model, a, thresholds })),
          responses: result.responses.map((response) => response.score),
        })
        .expect(200);
      expect(estimate.body).toMatchObject({ theta: result.theta, se: result.se });
    }
  });

  it('should estimate with WLE, and refuse a score an item does not have', async () => {
    const grm = [...items.values()].find((item) => item.model === 'GRM')!;
    const item = { model: 'GRM', a: grm.a, thresholds: grm.thresholds };
    const wle = await request(server).post('/v1/estimate').set(ADMIN).send({ items: [item, item], responses: [3, 3], estimator: 'WLE' }).expect(200);
    expect(Number.isFinite(wle.body.theta)).toBe(true);
    expect(wle.body.estimatorUsed).toBe('WLE');
    const bad = await request(server).post('/v1/estimate').set(ADMIN).send({ items: [item, { a: 1, b: 0 }], responses: [4, 2] }).expect(400);
    expect((bad.body.details as { field: string }[]).map((detail) => detail.field)).toEqual(['responses.0', 'responses.1']);
  });

  it('should version a polytomous item when its thresholds or scores change, and switch models in one PATCH', async () => {
    const gpcm = [...items.values()].find((item) => item.model === 'GPCM')!;
    const shifted = gpcm.thresholds!.map((t) => t + 0.5);
    const patched = await request(server).patch(`/v1/items/${gpcm.id}`).set(ADMIN).send({ thresholds: shifted }).expect(200);
    expect(patched.body).toMatchObject({ version: 2, thresholds: shifted, model: 'GPCM' });
    const versions = (await request(server).get(`/v1/items/${gpcm.id}/versions`).set(ADMIN).expect(200)).body as { thresholds: number[] }[];
    expect(versions.map((version) => version.thresholds)).toEqual([gpcm.thresholds, shifted]);

    // To 4PL: its fields in the same PATCH (the thresholds and option scores go).
    const options = gpcm.options.map(({ key, text }) => ({ key, text }));
    const refused = await request(server).patch(`/v1/items/${gpcm.id}`).set(ADMIN).send({ model: '4PL', b: 0.3 }).expect(400);
    expect((refused.body.details as { field: string }[]).map((detail) => detail.field)).toEqual(expect.arrayContaining(['correctKey', 'options.0.score']));
    const dichotomous = await request(server).patch(`/v1/items/${gpcm.id}`).set(ADMIN).send({ model: '4PL', b: 0.3, correctKey: 'D', options }).expect(200);
    expect(dichotomous.body).toMatchObject({ model: '4PL', b: 0.3, thresholds: null, correctKey: 'D', version: 3 });
  });
});

