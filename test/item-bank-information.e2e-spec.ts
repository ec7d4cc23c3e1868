import { randomBytes } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { INFORMATION_REQUESTS_PER_MINUTE } from '../src/item-banks/dto/bank-information.dto.js';
import { createBankSnapshot, itemInformation } from '../src/irt/index.js';
import { createClient } from './support/client-fixtures.js';
import { ADMIN, appServer, createBank } from './support/exam-fixtures.js';
import { startApp } from './support/test-app.js';

const likert = [0, 1, 2, 3].map((score) => ({ key: String.fromCharCode(65 + score), text: `level ${score}`, score }));
const twoOptions = [
  { key: 'A', text: 'yes' },
  { key: 'B', text: 'no' },
];

/** Two operational items (a 4PL and a GRM one), a pretest item and an item disabled later: only the first two count. */
const HAND_BUILT_ITEMS = [
  { externalId: 'fourpl', stem: 'x?', options: twoOptions, correctKey: 'A', a: 1.5, b: 0.5, c: 0.2, d: 0.95, contentArea: 'algebra' },
  { externalId: 'graded', model: 'GRM', stem: 'y?', options: likert, a: 1.2, thresholds: [-1, 0, 1.2], contentArea: 'geometry' },
  { externalId: 'pretest', stem: 'z?', options: twoOptions, correctKey: 'A', a: 2, b: 0, pretest: true, contentArea: 'algebra' },
  { externalId: 'disabled', stem: 'w?', options: twoOptions, correctKey: 'B', a: 2, b: -1 },
];

/** The engine's information of the two operational items, item by item. */
const engineBank = createBankSnapshot([
  { a: 1.5, b: 0.5, c: 0.2, d: 0.95 },
  { model: 'GRM', a: 1.2, thresholds: [-1, 0, 1.2] },
]);
const expectedInformation = (theta: number) => itemInformation(engineBank, 0, theta) + itemInformation(engineBank, 1, theta);

describe('Item bank list and information (e2e)', () => {
  let app: NestFastifyApplication;
  let server: ReturnType<typeof appServer>;

  beforeAll(async () => {
    app = await startApp();
    server = appServer(app);
  });
  afterAll(async () => {
    await app.close();
  });

  const newBank = async (name: string) => (await request(server).post('/v1/item-banks').set(ADMIN).send({ name }).expect(201)).body.id as string;

  async function handBuiltBank(): Promise<string> {
    const bankId = await newBank('hand-built');
    await request(server).post(`/v1/item-banks/${bankId}/items`).set(ADMIN).send({ items: HAND_BUILT_ITEMS }).expect(201);
    const items = await request(server).get(`/v1/item-banks/${bankId}/items`).set(ADMIN).expect(200);
    const disabled = (items.body.items as { id: string; externalId: string }[]).find((item) => item.externalId === 'disabled')!;
    await request(server).patch(`/v1/items/${disabled.id}`).set(ADMIN).send({ enabled: false }).expect(200);
    return bankId;
  }

  describe('GET /v1/item-banks', () => {
    it('should list only the banks a limited key may use, in id order, a page at a time', async () => {
      const ids = [await newBank('one'), await newBank('two'), await newBank('three')];
      const reader = await createClient(server, ['banks:read'], ids);
      const first = await request(server).get('/v1/item-banks').query({ limit: 2 }).set(reader.auth).expect(200);
      const sorted = [...ids].sort();
      expect(first.body.banks.map((bank: { id: string }) => bank.id)).toEqual(sorted.slice(0, 2));
      expect(first.body.nextCursor).toBe(sorted[1]);
      const second = await request(server).get('/v1/item-banks').query({ limit: 2, cursor: first.body.nextCursor }).set(reader.auth).expect(200);
      expect(second.body).toEqual({ banks: [expect.objectContaining({ id: sorted[2] })], nextCursor: null });
      const single = await request(server).get(`/v1/item-banks/${sorted[2]}`).set(reader.auth).expect(200);
      expect(second.body.banks[0]).toEqual(single.body);
    });

    it('should list every bank for the admin key, each once, in increasing id order', async () => {
      const mine = [await newBank('admin-a'), await newBank('admin-b')];
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: request.Response = await request(server)
          .get('/v1/item-banks')
          .query(cursor ? { limit: 100, cursor } : { limit: 100 })
          .set(ADMIN)
          .expect(200);
        seen.push(...page.body.banks.map((bank: { id: string }) => bank.id));
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(seen).toEqual(expect.arrayContaining(mine));
      expect(seen).toEqual([...new Set(seen)].sort());
    });

    it('should refuse a missing key (401), a key without banks:read (403) and bad paging (400 VALIDATION_FAILED)', async () => {
      expect((await request(server).get('/v1/item-banks').expect(401)).body.code).toBe('UNAUTHORIZED');
      const launcher = await createClient(server, ['exams:launch']);
      expect((await request(server).get('/v1/item-banks').set(launcher.auth).expect(403)).body.code).toBe('FORBIDDEN');
      const bad: [Record<string, unknown> | string, string][] = [
        [{ limit: 0 }, 'limit'],
        [{ limit: 101 }, 'limit'],
        [{ limit: 'ten' }, 'limit'],
        [{ cursor: '17' }, 'cursor'],
        ['limit=5&limit=6', 'limit'],
        [{ offset: 3 }, 'offset'],
      ];
      for (const [query, field] of bad) {
        const res = await request(server).get('/v1/item-banks').query(query).set(ADMIN).expect(400);
        expect(res.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
        expect(res.body.details).toContainEqual(expect.objectContaining({ field }));
      }
    });
  });

  describe('GET /v1/item-banks/:bankId/information', () => {
    it("should sum the engine's information of the operational items only, with SE = 1/√I and item counts by area", async () => {
      const bankId = await handBuiltBank();
      const res = await request(server).get(`/v1/item-banks/${bankId}/information`).query({ from: -2, to: 2, points: 5 }).set(ADMIN).expect(200);
      expect(res.body).toMatchObject({ bankId, version: expect.any(Number), items: { operational: 2, pretest: 1, disabled: 1 } });
      expect(res.body.contentAreas).toEqual([
        { area: 'algebra', operational: 1, pretest: 1, disabled: 0 },
        { area: 'geometry', operational: 1, pretest: 0, disabled: 0 },
        { area: null, operational: 0, pretest: 0, disabled: 1 },
      ]);
      const points = res.body.points as { theta: number; information: number; se: number }[];
      expect(points.map((point) => point.theta)).toEqual([-2, -1, 0, 1, 2]);
      for (const { theta, information, se } of points) {
        expect(information).toBeCloseTo(expectedInformation(theta), 12);
        expect(se).toBeCloseTo(1 / Math.sqrt(expectedInformation(theta)), 12);
      }
    });

    it('should default to 81 points from -4 to 4, and answer an empty bank with zero information and no SE', async () => {
      const bankId = await newBank('empty');
      const res = await request(server).get(`/v1/item-banks/${bankId}/information`).set(ADMIN).expect(200);
      expect(res.body.items).toEqual({ operational: 0, pretest: 0, disabled: 0 });
      expect(res.body.contentAreas).toEqual([]);
      expect(res.body.points).toHaveLength(81);
      expect(res.body.points[0]).toEqual({ theta: -4, information: 0, se: null });
      expect(res.body.points[40].theta).toBeCloseTo(0, 12);
      expect(res.body.points[80]).toEqual({ theta: 4, information: 0, se: null });
    });

    it('should refuse an unbounded or malformed grid with 400 VALIDATION_FAILED naming the field', async () => {
      const bankId = await newBank('grid');
      const bad: [Record<string, unknown> | string, string][] = [
        [{ from: -10.5 }, 'from'],
        [{ to: 11 }, 'to'],
        [{ from: 1, to: 1 }, 'to'],
        [{ to: -5 }, 'to'],
        // `from` alone, past the default `to` (4): no descending or one-point grid.
        [{ from: 5 }, 'from'],
        [{ from: 4 }, 'from'],
        [{ points: 1 }, 'points'],
        [{ points: 402 }, 'points'],
        [{ points: 2.5 }, 'points'],
        [{ from: 'abc' }, 'from'],
        [{ from: '1e1' }, 'from'],
        [{ from: 'Infinity' }, 'from'],
        [{ to: 'NaN' }, 'to'],
        ['from=1&from=2', 'from'],
        [{ step: 0.1 }, 'step'],
      ];
      for (const [query, field] of bad) {
        const res = await request(server).get(`/v1/item-banks/${bankId}/information`).query(query).set(ADMIN).expect(400);
        expect(res.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
        expect({ query, details: res.body.details }).toEqual({ query, details: expect.arrayContaining([expect.objectContaining({ field })]) });
      }
      await request(server).get(`/v1/item-banks/${bankId}/information`).query({ from: -10, to: 10, points: 401 }).set(ADMIN).expect(200);
    });

    it('should limit information requests per caller apart from its other requests, and serve repeats from one computation', async () => {
      const limited = await startApp({
        REDIS_KEY_PREFIX: `cat_test_info_${randomBytes(4).toString('hex')}:`,
        RATE_LIMIT_IP_PER_MINUTE: '100000',
        RATE_LIMIT_CLIENT_PER_MINUTE: '100000',
      });
      try {
        const limitedServer = appServer(limited);
        const { bankId } = await createBank(limitedServer, 30, 9);
        const replies = [];
        for (let i = 0; i < INFORMATION_REQUESTS_PER_MINUTE; i++) {
          replies.push((await request(limitedServer).get(`/v1/item-banks/${bankId}/information`).query({ points: 101 }).set(ADMIN).expect(200)).body);
        }
        // Repeats are the same curve (cached by bank version and grid).
        expect(new Set(replies.map((reply) => JSON.stringify(reply.points))).size).toBe(1);
        const refused = await request(limitedServer).get(`/v1/item-banks/${bankId}/information`).set(ADMIN).expect(429);
        expect(refused.body).toMatchObject({ code: 'TOO_MANY_REQUESTS' });
        await request(limitedServer).get('/v1/item-banks').set(ADMIN).expect(200);
      } finally {
        await limited.close();
      }
    });

    it('should need a key with banks:read that may use the bank; unknown banks are 404, bad ids 400', async () => {
      const { bankId } = await createBank(server, 5, 11);
      const other = await newBank('other');
      const path = `/v1/item-banks/${bankId}/information`;
      expect((await request(server).get(path).expect(401)).body.code).toBe('UNAUTHORIZED');
      const launcher = await createClient(server, ['exams:launch']);
      expect((await request(server).get(path).set(launcher.auth).expect(403)).body.code).toBe('FORBIDDEN');
      const elsewhere = await createClient(server, ['banks:read'], [other]);
      expect((await request(server).get(path).set(elsewhere.auth).expect(403)).body.code).toBe('FORBIDDEN');
      const reader = await createClient(server, ['banks:read'], [bankId]);
      expect((await request(server).get(path).set(reader.auth).expect(200)).body.items.operational).toBe(5);
      expect((await request(server).get('/v1/item-banks/00000000-0000-4000-8000-000000000000/information').set(ADMIN).expect(404)).body.code).toBe('NOT_FOUND');
      expect((await request(server).get('/v1/item-banks/not-a-uuid/information').set(ADMIN).expect(400)).body.code).toBe('VALIDATION_FAILED');
    });
  });
});
