import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { ADMIN, appServer, bearer, makeItems, startExam } from './support/exam-fixtures.js';
import { startApp } from './support/test-app.js';

interface StoredItem {
  id: string;
  b: number;
  a: number;
  c: number;
  d: number;
  correctKey: string;
  enemyGroup: string | null;
  pretest: boolean;
}
interface Shown {
  examId: string;
  token: string;
  item: { id: string } | null;
}

describe('Classification, pretest items and enemy sets (e2e)', () => {
  let app: NestFastifyApplication;
  let server: ReturnType<typeof appServer>;

  beforeAll(async () => {
    app = await startApp();
    server = appServer(app);
  });
  afterAll(async () => {
    await app.close();
  });

  async function bank(items: object[]): Promise<{ bankId: string; stored: Map<string, StoredItem> }> {
    const created = await request(server).post('/v1/item-banks').set(ADMIN).send({ name: 'roles' }).expect(201);
    await request(server).post(`/v1/item-banks/${created.body.id}/items`).set(ADMIN).send({ items }).expect(201);
    const page = await request(server).get(`/v1/item-banks/${created.body.id}/items`).query({ limit: 1000 }).set(ADMIN).expect(200);
    return { bankId: created.body.id, stored: new Map((page.body.items as StoredItem[]).map((item) => [item.id, item])) };
  }

  /** Answers until done, `rightWhen` deciding each answer; the final reply. */
  async function run(exam: Shown, stored: Map<string, StoredItem>, rightWhen: (item: StoredItem) => boolean): Promise<Record<string, unknown>> {
    let item = exam.item;
    let reply: Record<string, unknown> = {};
    while (item) {
      const known = stored.get(item.id)!;
      const answer = rightWhen(known) ? known.correctKey : ['A', 'B', 'C', 'D'].find((key) => key !== known.correctKey)!;
      reply = (await request(server).post(`/v1/exams/${exam.examId}/answers`).set(bearer(exam.token)).send({ itemId: item.id, answer }).expect(200)).body;
      item = reply.item as Shown['item'];
    }
    return reply;
  }
  const resultOf = async (examId: string) => (await request(server).get(`/v1/exams/${examId}/result`).set(ADMIN).expect(200)).body;

  it('should stop with CLASSIFIED on a clear case and at maxItems on a borderline one, reporting the band', async () => {
    const { bankId, stored } = await bank(makeItems(80, 31));
    const classification = { cutScores: [0], confidence: 0.95, labels: ['Not yet', 'Pass'] };
    const config = { minItems: 3, maxItems: 20, seThreshold: 0, classification, feedback: 'theta' };

    const clear = (await startExam(server, { bankId, candidateId: 'strong', config }).expect(201)).body as Shown;
    const last = await run(clear, stored, () => true);
    expect(last).toMatchObject({ done: true, stopReason: 'CLASSIFIED' });
    const clearResult = await resultOf(clear.examId);
    expect(clearResult.answered).toBeLessThan(20);
    expect(clearResult).toMatchObject({ stopReason: 'CLASSIFIED', classification: { band: 1, label: 'Pass' } });

    // A candidate at the cut: right exactly on the items easier than it.
    const borderline = (await startExam(server, { bankId, candidateId: 'borderline', config }).expect(201)).body as Shown;
    await run(borderline, stored, (item) => item.b < 0);
    const borderlineResult = await resultOf(borderline.examId);
    expect(borderlineResult).toMatchObject({ stopReason: 'MAX_ITEMS', answered: 20 });
    expect(borderlineResult.classification).toEqual({ band: borderlineResult.theta >= 0 ? 1 : 0, label: borderlineResult.theta >= 0 ? 'Pass' : 'Not yet' });

    const sprt = (await startExam(server, { bankId, candidateId: 'sprt', config: { ...config, classification: { cutScores: [0], method: 'SPRT' }, selection: { target: 'cut' } } }).expect(201)).body as Shown;
    expect(await run(sprt, stored, () => false)).toMatchObject({ done: true, stopReason: 'CLASSIFIED' });
    expect((await resultOf(sprt.examId)).classification).toEqual({ band: 0, label: null });

    const bad = await startExam(server, { bankId, candidateId: 'x', config: { classification: { cutScores: [1, 0], labels: ['a'] }, selection: { target: 'cut' } } }).expect(400);
    expect((bad.body.details as { field: string }[]).map((detail) => detail.field)).toEqual(expect.arrayContaining(['config.classification.cutScores.1', 'config.classification.labels']));
  });

  it('should give pretest items at the requested positions, store their responses, and leave θ to the scored ones', async () => {
    const regular = makeItems(40, 32, 'reg');
    const trial = makeItems(5, 33, 'pre').map((item) => ({ ...item, pretest: true }));
    const { bankId, stored } = await bank([...regular, ...trial]);
    const exam = (await startExam(server, { bankId, candidateId: 'pretest', config: { minItems: 6, maxItems: 6, seThreshold: 0, pretest: { count: 2, positions: [2, 4] } } }).expect(201))
      .body as Shown;
    let n = 0;
    await run(exam, stored, () => n++ % 3 !== 0);
    const result = await resultOf(exam.examId);
    const responses = result.responses as { seq: number; itemId: string; score: number; pretest: boolean }[];
    expect(responses).toHaveLength(8);
    expect(responses.filter((response) => response.pretest).map((response) => response.seq)).toEqual([2, 4]);
    for (const response of responses) expect(stored.get(response.itemId)!.pretest).toBe(response.pretest);
    // No pretest item was ever selected adaptively.
    expect(responses.filter((response) => !response.pretest).every((response) => !stored.get(response.itemId)!.pretest)).toBe(true);

    const scored = responses.filter((response) => !response.pretest);
    const estimate = await request(server)
      .post('/v1/estimate')
      .set(ADMIN)
      .send({ items: scored.map((response) => { const { a, b, c, d } = stored.get(response.itemId)!; return { a, b, c, d }; }), responses: scored.map((response) => response.score) })
      .expect(200);
    expect(estimate.body).toMatchObject({ theta: result.theta, se: result.se });
  });

  it('should never put two items of an enemy set in one exam', async () => {
    const items = makeItems(20, 34, 'en').map((item, i) => ({ ...item, ...(i < 5 ? { enemyGroup: 'pair-a' } : i < 10 ? { enemyGroup: 'pair-b' } : {}) }));
    const { bankId, stored } = await bank(items);
    for (let exam = 0; exam < 4; exam++) {
      const started = (await startExam(server, { bankId, candidateId: `enemy-${exam}`, config: { minItems: 15, maxItems: 15, seThreshold: 0 } }).expect(201)).body as Shown;
      const last = await run(started, stored, () => exam % 2 === 0);
      const given = ((await resultOf(started.examId)).responses as { itemId: string }[]).map((response) => stored.get(response.itemId)!);
      for (const group of ['pair-a', 'pair-b']) expect(given.filter((item) => item.enemyGroup === group).length).toBeLessThanOrEqual(1);
      // 10 items outside the sets and at most one of each: the bank runs out before 15.
      expect(given.length).toBeLessThanOrEqual(12);
      expect(last).toMatchObject({ done: true });
    }
  });
});
