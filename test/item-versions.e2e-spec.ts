import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { PrismaService } from '../src/prisma/prisma.service.js';
import { ADMIN, appServer, bearer, createBank, startExam } from './support/exam-fixtures.js';
import { startApp } from './support/test-app.js';

interface Shown {
  examId: string;
  token: string;
  item: { id: string; stem: string } | null;
}
interface Version {
  version: number;
  a: number;
  b: number;
  c: number;
  d: number;
  stem: string;
  correctKey: string;
}
interface ResultResponse {
  itemId: string;
  itemVersion: number;
  correct: boolean;
  thetaAfter: number;
  seAfter: number;
}

/** Every item of a 12-item bank, in a fixed-length exam: each exam administers them all. */
const WHOLE_BANK = { minItems: 12, maxItems: 12, seThreshold: 0 };

describe('Pinned item versions (e2e)', () => {
  let app: NestFastifyApplication;
  let server: ReturnType<typeof appServer>;
  let bankId: string;
  let correctKeyOf: Map<string, string>;

  beforeAll(async () => {
    app = await startApp();
    server = appServer(app);
    ({ bankId, correctKeyOf } = await createBank(server, 12, 404));
  });
  afterAll(async () => {
    await app.close();
  });

  const answer = (exam: Shown, itemId: string, key: string) =>
    request(server).post(`/v1/exams/${exam.examId}/answers`).set(bearer(exam.token)).send({ itemId, answer: key }).expect(200);
  /** Alternates right and wrong answers so θ moves both ways. */
  const keyFor = (itemId: string, n: number) => (n % 2 === 0 ? correctKeyOf.get(itemId)! : ['A', 'B', 'C', 'D'].find((key) => key !== correctKeyOf.get(itemId))!);
  const versionsOf = async (itemId: string): Promise<Version[]> =>
    (await request(server).get(`/v1/items/${itemId}/versions`).set(ADMIN).expect(200)).body as Version[];
  const resultOf = async (examId: string) => (await request(server).get(`/v1/exams/${examId}/result`).set(ADMIN).expect(200)).body as { theta: number; responses: ResultResponse[] };

  /** θ after each answer, recomputed by POST /v1/estimate from the recorded item versions. */
  async function replay(responses: ResultResponse[]): Promise<number[]> {
    const trail: number[] = [];
    const items: Omit<Version, 'version' | 'stem' | 'correctKey'>[] = [];
    for (const [n, response] of responses.entries()) {
      const version = (await versionsOf(response.itemId)).find((v) => v.version === response.itemVersion)!;
      items.push({ a: version.a, b: version.b, c: version.c, d: version.d });
      const estimate = await request(server)
        .post('/v1/estimate')
        .set(ADMIN)
        .send({ items, responses: responses.slice(0, n + 1).map((r) => (r.correct ? 1 : 0)) })
        .expect(200);
      trail.push(estimate.body.theta as number);
    }
    return trail;
  }

  it('should keep a running exam on the parameters and content it started with, and give new exams the new ones', async () => {
    const running = (await startExam(server, { bankId, candidateId: 'pinned', config: WHOLE_BANK }).expect(201)).body as Shown;
    const thetas: number[] = [];
    let item = running.item!;
    for (let n = 0; n < 4; n++) {
      const reply = await answer(running, item.id, keyFor(item.id, n));
      thetas.push(reply.body.theta as number);
      item = reply.body.item;
    }
    const answeredBefore = (await resultOf(running.examId)).responses.map((r) => r.itemId);
    // Edit the item on screen and one already answered: new versions, much harder and much more discriminating.
    const shown = item;
    const edited = [shown.id, answeredBefore[1]];
    for (const itemId of edited) {
      const patched = await request(server).patch(`/v1/items/${itemId}`).set(ADMIN).send({ a: 2.9, b: 2.5, stem: `Rewritten ${itemId}` }).expect(200);
      expect(patched.body.version).toBe(2);
    }
    expect((await versionsOf(shown.id)).map((v) => v.version)).toEqual([1, 2]);

    // The running exam still shows the item as it was, and scores it with version 1.
    const view = await request(server).get(`/v1/exams/${running.examId}`).set(bearer(running.token)).expect(200);
    expect(view.body.item).toMatchObject({ id: shown.id, stem: shown.stem });
    for (let n = 4; item; n++) {
      const reply = await answer(running, item.id, keyFor(item.id, n));
      thetas.push(reply.body.theta as number);
      item = reply.body.item;
    }
    const result = await resultOf(running.examId);
    expect(result.responses).toHaveLength(12);
    expect(result.responses.every((r) => r.itemVersion === 1)).toBe(true);
    // The θ trail is the one the original parameters give, exactly, and the stored θ is its last point.
    const trail = await replay(result.responses);
    expect(thetas).toEqual(trail);
    expect(result.theta).toBe(trail[11]);

    // A new exam uses the new versions, and its replay with them is exact too.
    const fresh = (await startExam(server, { bankId, candidateId: 'fresh', config: WHOLE_BANK }).expect(201)).body as Shown;
    if (fresh.item!.id === shown.id) expect(fresh.item!.stem).toBe(`Rewritten ${shown.id}`);
    item = fresh.item!;
    for (let n = 0; item; n++) item = (await answer(fresh, item.id, keyFor(item.id, n))).body.item;
    const freshResult = await resultOf(fresh.examId);
    for (const response of freshResult.responses) expect(response.itemVersion).toBe(edited.includes(response.itemId) ? 2 : 1);
    expect((await replay(freshResult.responses))[11]).toBe(freshResult.theta);
  });

  it('should not add a version for a change that leaves parameters and content as they are', async () => {
    const { body: page } = await request(server).get(`/v1/item-banks/${bankId}/items`).set(ADMIN).expect(200);
    const item = page.items[5] as { id: string; a: number; version: number };
    const same = await request(server).patch(`/v1/items/${item.id}`).set(ADMIN).send({ a: item.a, contentArea: 'review' }).expect(200);
    expect(same.body.version).toBe(item.version);
    expect(await versionsOf(item.id)).toHaveLength(1);
  });

  it('should refuse the versions of an unknown item with 404', async () => {
    await request(server).get('/v1/items/00000000-0000-4000-8000-000000000000/versions').set(ADMIN).expect(404);
  });

  it('should write one Postgres statement per answer once the exam and its bank are known', async () => {
    const exam = (await startExam(server, { bankId, candidateId: 'one-statement', config: { maxItems: 4, minItems: 4, seThreshold: 0 } }).expect(201)).body as Shown;
    const first = await answer(exam, exam.item!.id, correctKeyOf.get(exam.item!.id)!);
    const pool = (app.get(PrismaService) as unknown as { pool: { query: (...args: unknown[]) => unknown } }).pool;
    const statements: string[] = [];
    const query = pool.query.bind(pool);
    pool.query = (...args: unknown[]) => {
      const config = args[0] as string | { name?: string; text: string };
      statements.push(typeof config === 'string' ? config : (config.name ?? config.text));
      return query(...args);
    };
    try {
      const item = first.body.item as { id: string };
      await answer(exam, item.id, correctKeyOf.get(item.id)!);
    } finally {
      pool.query = query;
    }
    // The bank's version is re-checked at most once a second per bank; nothing else may reach Postgres.
    const others = statements.filter((text) => !/FROM "public"\."item_bank"|FROM item_bank/.test(text));
    expect(others).toEqual(['session-record-answer']);
  });
});
