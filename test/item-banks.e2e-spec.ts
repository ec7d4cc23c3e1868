import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type pg from 'pg';
import request from 'supertest';
import { VERSION_CHECK_MS } from '../src/item-banks/bank-snapshots.js';
import { ADMIN, appServer, bearer, makeItems, sqlClient, startExam } from './support/exam-fixtures.js';
import { startApp } from './support/test-app.js';

describe('Item banks (e2e)', () => {
  let app: NestFastifyApplication;
  let server: ReturnType<typeof appServer>;
  let db: pg.Client;

  beforeAll(async () => {
    app = await startApp();
    server = appServer(app);
    db = await sqlClient();
  });
  afterAll(async () => {
    await app.close();
    await db.end();
  });

  const newBank = async (name = 'bank') => (await request(server).post('/v1/item-banks').set(ADMIN).send({ name }).expect(201)).body;

  describe('auth', () => {
    it('should answer 401 UNAUTHORIZED without or with a wrong x-api-key', async () => {
      const none = await request(server).post('/v1/item-banks').send({ name: 'x' }).expect(401);
      expect(none.body).toMatchObject({ statusCode: 401, code: 'UNAUTHORIZED' });
      await request(server).post('/v1/item-banks').set({ 'x-api-key': 'test-admin-key-0123456780' }).send({ name: 'x' }).expect(401);
      await request(server).get('/v1/item-banks/00000000-0000-4000-8000-000000000000').set(bearer('x'.repeat(43))).expect(401);
    });
  });

  describe('POST /v1/item-banks and GET /v1/item-banks/:bankId', () => {
    it('should create a bank and read it back', async () => {
      const bank = await newBank('Algebra');
      expect(bank).toEqual({ id: expect.any(String), name: 'Algebra', itemCount: 0, version: 1, reportingScale: null, createdAt: expect.any(String) });
      const read = await request(server).get(`/v1/item-banks/${bank.id}`).set(ADMIN).expect(200);
      expect(read.body).toEqual({ id: bank.id, name: 'Algebra', itemCount: 0, version: 1, reportingScale: null });
    });

    it('should validate the name, reject non-UUID ids with 400 and unknown banks with 404', async () => {
      const res = await request(server).post('/v1/item-banks').set(ADMIN).send({ name: '' }).expect(400);
      expect(res.body.details).toContainEqual(expect.objectContaining({ field: 'name' }));
      await request(server).get('/v1/item-banks/123').set(ADMIN).expect(400);
      const missing = await request(server).get('/v1/item-banks/00000000-0000-4000-8000-000000000000').set(ADMIN).expect(404);
      expect(missing.body.code).toBe('NOT_FOUND');
    });
  });

  describe('POST /v1/item-banks/:bankId/items', () => {
    it('should import items, assign ordinals and bump the version', async () => {
      const bank = await newBank();
      const res = await request(server).post(`/v1/item-banks/${bank.id}/items`).set(ADMIN).send({ items: makeItems(5) }).expect(201);
      expect(res.body).toEqual({ created: 5, bankVersion: 2 });
      const more = await request(server).post(`/v1/item-banks/${bank.id}/items`).set(ADMIN).send({ items: makeItems(3, 2, 'r') }).expect(201);
      expect(more.body).toEqual({ created: 3, bankVersion: 3 });
      const { rows } = await db.query('SELECT ordinal FROM item WHERE bank_id = $1 ORDER BY ordinal', [bank.id]);
      expect(rows.map((r) => r.ordinal)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      const read = await request(server).get(`/v1/item-banks/${bank.id}`).set(ADMIN).expect(200);
      expect(read.body).toMatchObject({ itemCount: 8, version: 3 });
    });

    it('should import 10,000 items in one request, all or nothing', async () => {
      const bank = await newBank('big');
      const items = makeItems(10_000, 9, 'big').map(({ stem, ...item }) => ({ ...item, stem: stem.slice(0, 20) }));
      const started = Date.now();
      const res = await request(server).post(`/v1/item-banks/${bank.id}/items`).set(ADMIN).send({ items }).expect(201);
      console.log(`imported 10,000 items in ${Date.now() - started} ms`);
      expect(res.body).toEqual({ created: 10_000, bankVersion: 2 });
      const tooMany = await request(server)
        .post(`/v1/item-banks/${bank.id}/items`)
        .set(ADMIN)
        .send({ items: [...items.slice(0, 1), ...items].map((item, i) => ({ ...item, externalId: `x${i}` })) })
        .expect(400);
      expect(tooMany.body.details).toContainEqual(expect.objectContaining({ field: 'items' }));
    });

    it('should reject a bad item with details naming its index and field, and store nothing', async () => {
      const bank = await newBank();
      const items = makeItems(6);
      items[1] = { ...items[1], a: 0 };
      items[2] = { ...items[2], c: 0.5, d: 0.4 };
      items[3] = { ...items[3], c: -0.1 };
      items[4] = { ...items[4], correctKey: 'Z' };
      items[5] = { ...items[5], options: [{ key: 'A', text: '1' }, { key: 'A', text: '2' }], correctKey: 'A' };
      const res = await request(server).post(`/v1/item-banks/${bank.id}/items`).set(ADMIN).send({ items }).expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      const fields = (res.body.details as { field: string }[]).map((d) => d.field);
      expect(fields).toEqual(expect.arrayContaining(['items.1.a', 'items.2.d', 'items.3.c', 'items.4.correctKey', 'items.5.options.1.key']));
      const typed = await request(server)
        .post(`/v1/item-banks/${bank.id}/items`)
        .set(ADMIN)
        .send({ items: [{ ...makeItems(1)[0], b: 'x', extra: true }] })
        .expect(400);
      expect((typed.body.details as { field: string }[]).map((d) => d.field)).toEqual(expect.arrayContaining(['items.0.b', 'items.0.extra']));
      const read = await request(server).get(`/v1/item-banks/${bank.id}`).set(ADMIN).expect(200);
      expect(read.body).toMatchObject({ itemCount: 0, version: 1 });
    });

    it('should reject duplicate externalIds within the request (400) and against the bank (409)', async () => {
      const bank = await newBank();
      const items = makeItems(3);
      const dup = await request(server)
        .post(`/v1/item-banks/${bank.id}/items`)
        .set(ADMIN)
        .send({ items: [items[0], items[1], { ...items[2], externalId: items[0].externalId }] })
        .expect(400);
      expect(dup.body.details).toContainEqual({ field: 'items.2.externalId', message: 'duplicates items.0.externalId' });
      await request(server).post(`/v1/item-banks/${bank.id}/items`).set(ADMIN).send({ items: [items[0]] }).expect(201);
      const clash = await request(server).post(`/v1/item-banks/${bank.id}/items`).set(ADMIN).send({ items: [items[1], items[0]] }).expect(409);
      expect(clash.body).toMatchObject({ code: 'CONFLICT', details: [{ field: 'items.1.externalId' }] });
      const read = await request(server).get(`/v1/item-banks/${bank.id}`).set(ADMIN).expect(200);
      expect(read.body).toMatchObject({ itemCount: 1, version: 2 });
    });

    it('should answer 404 for an unknown bank', async () => {
      const res = await request(server)
        .post('/v1/item-banks/00000000-0000-4000-8000-000000000000/items')
        .set(ADMIN)
        .send({ items: makeItems(1) })
        .expect(404);
      expect(res.body.code).toBe('NOT_FOUND');
    });
  });

  describe('GET /v1/item-banks/:bankId/items', () => {
    it('should page through every item with a cursor', async () => {
      const bank = await newBank();
      await request(server).post(`/v1/item-banks/${bank.id}/items`).set(ADMIN).send({ items: makeItems(7) }).expect(201);
      const first = await request(server).get(`/v1/item-banks/${bank.id}/items?limit=3`).set(ADMIN).expect(200);
      expect(first.body.items).toHaveLength(3);
      expect(first.body.items[0]).toMatchObject({ externalId: 'q-0', correctKey: expect.any(String), a: expect.any(Number), enabled: true });
      const ids = first.body.items.map((i: { id: string }) => i.id);
      let cursor = first.body.nextCursor;
      while (cursor) {
        const page = await request(server).get(`/v1/item-banks/${bank.id}/items?limit=3&cursor=${cursor}`).set(ADMIN).expect(200);
        ids.push(...page.body.items.map((i: { id: string }) => i.id));
        cursor = page.body.nextCursor;
      }
      expect(new Set(ids).size).toBe(7);
      await request(server).get(`/v1/item-banks/${bank.id}/items?limit=0`).set(ADMIN).expect(400);
      await request(server).get(`/v1/item-banks/${bank.id}/items?cursor=abc`).set(ADMIN).expect(400);
    });
  });

  describe('PATCH /v1/items/:itemId', () => {
    it('should update an item, bump the bank version and stop selecting a disabled item', async () => {
      const bank = await newBank();
      await request(server).post(`/v1/item-banks/${bank.id}/items`).set(ADMIN).send({ items: makeItems(3) }).expect(201);
      const exam = await startExam(server, { bankId: bank.id, candidateId: 'c' }).expect(201);
      const shown = exam.body.item.id;

      const res = await request(server).patch(`/v1/items/${shown}`).set(ADMIN).send({ enabled: false, b: 1.5, contentArea: null }).expect(200);
      expect(res.body).toMatchObject({ id: shown, enabled: false, b: 1.5, contentArea: null });
      const read = await request(server).get(`/v1/item-banks/${bank.id}`).set(ADMIN).expect(200);
      expect(read.body.version).toBe(3);
      for (let k = 0; k < 5; k++) {
        const next = await startExam(server, { bankId: bank.id, candidateId: 'c' }).expect(201);
        expect(next.body.item.id).not.toBe(shown);
      }
    });

    it('should validate the merged item and answer 404 / 409 / 400', async () => {
      const bank = await newBank();
      await request(server).post(`/v1/item-banks/${bank.id}/items`).set(ADMIN).send({ items: makeItems(2) }).expect(201);
      const { rows } = await db.query('SELECT id FROM item WHERE bank_id = $1 ORDER BY ordinal', [bank.id]);
      const bad = await request(server).patch(`/v1/items/${rows[0].id}`).set(ADMIN).send({ c: 0.9, d: 0.5 }).expect(400);
      expect(bad.body.details).toContainEqual(expect.objectContaining({ field: 'd' }));
      const key = await request(server).patch(`/v1/items/${rows[0].id}`).set(ADMIN).send({ correctKey: 'Q' }).expect(400);
      expect(key.body.details).toContainEqual(expect.objectContaining({ field: 'correctKey' }));
      const clash = await request(server).patch(`/v1/items/${rows[0].id}`).set(ADMIN).send({ externalId: 'q-1' }).expect(409);
      expect(clash.body.code).toBe('CONFLICT');
      await request(server).patch('/v1/items/00000000-0000-4000-8000-000000000000').set(ADMIN).send({ a: 1 }).expect(404);
      await request(server).patch('/v1/items/zzz').set(ADMIN).send({ a: 1 }).expect(400);
    });

    it('should show the edited item to new exams on this instance at once and on another within the version check, and not to running ones', async () => {
      const other = await startApp();
      try {
        const bank = await newBank();
        await request(server).post(`/v1/item-banks/${bank.id}/items`).set(ADMIN).send({ items: makeItems(10, 11) }).expect(201);
        const started = await startExam(server, { bankId: bank.id, candidateId: 'edit' }).expect(201);
        const { examId, token, item } = started.body as { examId: string; token: string; item: { id: string; stem: string } };
        // Both instances hold the bank in memory, content included.
        const before = await request(appServer(other)).get(`/v1/exams/${examId}`).set(bearer(token)).expect(200);
        expect(before.body.item.stem).toBe(item.stem);

        await request(server).patch(`/v1/items/${item.id}`).set(ADMIN).send({ stem: 'Edited stem' }).expect(200);
        // A new exam opens with the same (most informative) item, edited, here at once.
        const here = await startExam(server, { bankId: bank.id, candidateId: 'edit-2' }).expect(201);
        expect(here.body.item).toEqual({ id: item.id, stem: 'Edited stem', options: expect.any(Array) });
        // The other instance checks the bank's version once a second.
        const deadline = Date.now() + 2 * VERSION_CHECK_MS;
        let there = before;
        while (there.body.item.stem !== 'Edited stem' && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          there = await startExam(appServer(other), { bankId: bank.id, candidateId: 'edit-3' }).expect(201);
        }
        expect(there.body.item).toEqual({ id: item.id, stem: 'Edited stem', options: expect.any(Array) });
        // The exam that was running keeps the item as it started with it, on both instances.
        for (const instance of [server, appServer(other)]) {
          const running = await request(instance).get(`/v1/exams/${examId}`).set(bearer(token)).expect(200);
          expect(running.body.item).toEqual({ id: item.id, stem: item.stem, options: expect.any(Array) });
        }
      } finally {
        await other.close();
      }
    });
  });
});
