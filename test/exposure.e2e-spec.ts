import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { ExposureCounts } from '../src/exposure/exposure-counts.service.js';
import { answerUntilDone, sleep } from './support/client-fixtures.js';
import { ADMIN, appServer, createBank, sqlClient, startExam } from './support/exam-fixtures.js';
import { startApp } from './support/test-app.js';

interface ExposureReport {
  examsStarted: number;
  maxRate: number;
  testOverlapRate: number;
  items: { itemId: string; externalId: string; administrations: number; rate: number; sympsonHetterK: number | null }[];
  nextCursor: string | null;
}

describe('Exposure control (e2e)', () => {
  let app: NestFastifyApplication;
  let server: ReturnType<typeof appServer>;

  beforeAll(async () => {
    app = await startApp();
    server = appServer(app);
  });
  afterAll(async () => {
    await app.close();
  });

  const exams = (bankId: string, count: number, config: Record<string, unknown>, correctKeyOf: Map<string, string>, candidate = 'exposure') =>
    (async () => {
      for (let n = 0; n < count; n++) {
        const started = await startExam(server, { bankId, candidateId: `${candidate}-${n}`, config: { seThreshold: 0, ...config } }).expect(201);
        await answerUntilDone(server, started.body, correctKeyOf, { seed: n });
      }
    })();
  const report = async (bankId: string, query: Record<string, string | number> = {}): Promise<ExposureReport> => {
    await app.get(ExposureCounts).sync();
    return (await request(server).get(`/v1/item-banks/${bankId}/exposure`).query(query).set(ADMIN).expect(200)).body as ExposureReport;
  };
  const allItems = async (bankId: string) => {
    const items: ExposureReport['items'] = [];
    let cursor: string | null = null;
    do {
      const page: ExposureReport = await report(bankId, cursor ? { limit: 25, cursor } : { limit: 25 });
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return items;
  };

  it('should count administrations and report rates, the overlap rate and pages; without control the best items go to everyone', async () => {
    const { bankId, correctKeyOf } = await createBank(server, 60, 501);
    await exams(bankId, 20, { minItems: 5, maxItems: 5 }, correctKeyOf);
    const first = await report(bankId);
    expect(first.examsStarted).toBe(20);
    const items = await allItems(bankId);
    expect(items).toHaveLength(60);
    expect(items.reduce((sum, item) => sum + item.administrations, 0)).toBe(100);
    for (const item of items) expect(item.rate).toBeCloseTo(item.administrations / 20, 12);
    // Maximum information with one starting θ: every exam opens with the same item.
    expect(first.maxRate).toBe(1);
    expect(first.testOverlapRate).toBeGreaterThan(0.3);
    // The durable totals in Postgres agree with the report.
    const db = await sqlClient();
    try {
      const { rows } = await db.query<{ exams: number; total: string }>(
        'SELECT (SELECT exams FROM bank_exposure WHERE bank_id = $1) AS exams, (SELECT sum(administrations) FROM item_exposure WHERE bank_id = $1) AS total',
        [bankId],
      );
      expect(rows[0]).toEqual({ exams: 20, total: '100' });
    } finally {
      await db.end();
    }
  });

  it('should keep every item near or under maxExposure', async () => {
    const { bankId, correctKeyOf } = await createBank(server, 60, 502);
    await exams(bankId, 80, { minItems: 5, maxItems: 5, selection: { maxExposure: 0.25 } }, correctKeyOf);
    const exposure = await report(bankId);
    expect(exposure.examsStarted).toBe(80);
    expect(exposure.maxRate).toBeLessThanOrEqual(0.3);
  });

  it('should refuse exposure settings out of range or combined, and an unknown bank', async () => {
    const { bankId } = await createBank(server, 10, 503);
    const bad = await startExam(server, { bankId, candidateId: 'x', config: { selection: { maxExposure: 1.5 } } }).expect(400);
    expect(bad.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'config.selection.maxExposure' })]));
    const both = await startExam(server, { bankId, candidateId: 'x', config: { selection: { maxExposure: 0.3, sympsonHetter: true } } }).expect(400);
    expect(both.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'config.selection.sympsonHetter' })]));
    await request(server).post(`/v1/item-banks/${bankId}/exposure-control`).set(ADMIN).send({ targetRate: 0 }).expect(400);
    await request(server).post(`/v1/item-banks/${bankId}/exposure-control`).set(ADMIN).send({ targetRate: 0.3, simulees: 20 }).expect(400);
    await request(server).get('/v1/item-banks/00000000-0000-4000-8000-000000000000/exposure').set(ADMIN).expect(404);
    await request(server).get(`/v1/item-banks/${bankId}/exposure-control`).set(ADMIN).expect(404);
  });

  it('should compute Sympson–Hetter K by a job with its progress, refuse a second one meanwhile, and use K in exams that ask', async () => {
    const { bankId, correctKeyOf } = await createBank(server, 40, 504);
    const body = { targetRate: 0.3, simulees: 200, maxIterations: 8, config: { minItems: 5, maxItems: 5, seThreshold: 0 } };
    const started = await request(server).post(`/v1/item-banks/${bankId}/exposure-control`).set(ADMIN).send(body).expect(202);
    expect(started.body).toMatchObject({ status: 'RUNNING', targetRate: 0.3, simulees: 200, iteration: 0, progress: 0 });
    const second = await request(server).post(`/v1/item-banks/${bankId}/exposure-control`).set(ADMIN).send(body).expect(409);
    expect(second.body.code).toBe('CONFLICT');

    let job = started.body as { status: string; progress: number; maxExposure: number | null; tolerance: number; converged: boolean; iteration: number };
    for (let waited = 0; job.status === 'RUNNING' && waited < 60_000; waited += 200) {
      await sleep(200);
      job = (await request(server).get(`/v1/item-banks/${bankId}/exposure-control`).set(ADMIN).expect(200)).body;
    }
    expect(job).toMatchObject({ status: 'SUCCEEDED', progress: 1 });
    // 200 simulees measure a rate to about ±0.03: the tolerance allows 2.5 of those.
    expect(job.tolerance).toBeCloseTo(2.5 * Math.sqrt((0.3 * 0.7) / 200), 12);
    expect(job.converged).toBe(job.maxExposure! <= 0.3 + job.tolerance);
    expect(job.maxExposure).toBeLessThanOrEqual(0.3 + job.tolerance);

    const items = await allItems(bankId);
    const k = items.map((item) => item.sympsonHetterK!);
    expect(k.every((value) => value > 0 && value <= 1)).toBe(true);
    expect(k.some((value) => value < 1)).toBe(true);

    // Exams that ask for Sympson–Hetter spread the items; exams that do not still open with the best one.
    await exams(bankId, 30, { minItems: 5, maxItems: 5, selection: { sympsonHetter: true } }, correctKeyOf, 'sh');
    expect((await report(bankId)).maxRate).toBeLessThan(1);
  });

  it('should leave out the items a candidate saw in earlier exams on the bank, and say when too few remain', async () => {
    const { bankId, correctKeyOf } = await createBank(server, 20, 505);
    const config = { minItems: 8, maxItems: 8, seThreshold: 0, feedback: 'theta' };
    const take = async (candidateId: string, excludeSeenItems: boolean) => {
      const started = await startExam(server, { bankId, candidateId, config: { ...config, excludeSeenItems } }).expect(201);
      const seen = [started.body.item.id as string];
      const answers = await answerUntilDone(server, started.body, correctKeyOf);
      for (const reply of answers) if (reply.item) seen.push((reply.item as { id: string }).id);
      return { started: started.body as { seenItems?: unknown }, seen, last: answers[answers.length - 1] };
    };
    const first = await take('carol', false);
    expect(first.started.seenItems).toBeUndefined();
    const second = await take('carol', true);
    expect(second.started.seenItems).toEqual({ excluded: 8, remaining: 12, enough: true });
    expect(second.seen.filter((id) => first.seen.includes(id))).toEqual([]);

    const third = await take('carol', true);
    expect(third.started.seenItems).toEqual({ excluded: 16, remaining: 4, enough: false });
    expect(third.seen).toHaveLength(4);
    expect(third.last).toMatchObject({ done: true, stopReason: 'BANK_EXHAUSTED' });
    // Another candidate (and the same name in another client's namespace would be too) sees the whole bank.
    expect((await take('dave', true)).started.seenItems).toEqual({ excluded: 0, remaining: 20, enough: true });
    // Nothing left at all: the exam cannot start.
    const none = await startExam(server, { bankId, candidateId: 'carol', config: { ...config, excludeSeenItems: true } }).expect(409);
    expect(none.body.message).toMatch(/not seen/);
  });
});
