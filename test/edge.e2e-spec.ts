import { randomBytes } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Redis } from 'ioredis';
import request from 'supertest';
import { ADMIN, appServer, bearer, createBank, createDefinition, makeItems, startExam } from './support/exam-fixtures.js';
import { startApp } from './support/test-app.js';

/** The edge every request crosses: security headers, CORS, request ids, rate limits, bounded exam configs. */
describe('The HTTP edge (e2e)', () => {
  let app: NestFastifyApplication;
  let server: ReturnType<typeof appServer>;

  beforeAll(async () => {
    app = await startApp();
    server = appServer(app);
  });
  afterAll(async () => {
    await app.close();
  });

  describe('security headers', () => {
    it('should send them on answers and on errors alike', async () => {
      for (const res of [await request(server).get('/v1/admin/stats').set(ADMIN).expect(200), await request(server).get('/v1/admin/stats').expect(401)]) {
        expect(res.headers).toMatchObject({
          'x-content-type-options': 'nosniff',
          'x-frame-options': 'DENY',
          'referrer-policy': 'no-referrer',
          'cross-origin-resource-policy': 'same-origin',
        });
        // A JSON reply may load, run and be framed by nothing, and is stored by no cache (it may hold a token).
        expect(res.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
        expect(res.headers['cache-control']).toBe('no-store');
      }
    });

    it("should send the pages (Swagger UI, the demo) helmet's policy, under which their own scripts run", async () => {
      for (const path of ['/docs/', '/docs?x=1', '/demo/']) {
        const res = await request(server).get(path);
        expect(res.headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY', 'cross-origin-opener-policy': 'same-origin' });
        expect(res.headers['content-security-policy']).toContain("script-src 'self'");
        expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
        expect(res.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
      }
      // The OpenAPI document is JSON like the rest of the API.
      const document = await request(server).get('/docs-json').expect(200);
      expect(document.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
    });
  });

  describe('CORS', () => {
    const preflight = (target: ReturnType<typeof appServer>, origin: string) =>
      request(target)
        .options('/v1/exams')
        .set({ origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' });

    it('should allow no cross-origin caller by default', async () => {
      const res = await preflight(server, 'https://exam.example.org');
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      const simple = await request(server).get('/health/live').set({ origin: 'https://exam.example.org' }).expect(200);
      expect(simple.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('should allow exactly the origins of CORS_ORIGINS', async () => {
      const cors = await startApp({ CORS_ORIGINS: 'https://exam.example.org,https://lms.example.net' });
      try {
        const allowed = await preflight(appServer(cors), 'https://exam.example.org').expect(204);
        expect(allowed.headers['access-control-allow-origin']).toBe('https://exam.example.org');
        expect(allowed.headers['access-control-allow-headers']).toContain('authorization');
        const other = await preflight(appServer(cors), 'https://evil.example.com');
        expect(other.headers['access-control-allow-origin']).toBeUndefined();
      } finally {
        await cors.close();
      }
    });
  });

  describe('JSON only', () => {
    it.each([
      ['application/x-www-form-urlencoded', 'bankId=00000000-0000-4000-8000-000000000000&candidateId=x'],
      ['text/plain', '{"launchToken":"x"}'],
      ['multipart/form-data; boundary=x', '--x--'],
    ])('should refuse %s with 415 UNSUPPORTED_MEDIA_TYPE', async (type, body) => {
      const res = await request(server).post('/v1/exams').set(ADMIN).set('content-type', type).send(body).expect(415);
      expect(res.body).toMatchObject({ statusCode: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
    });
  });

  describe('request ids', () => {
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

    it('should keep a short, plain id and replace anything else with a generated one', async () => {
      const kept = 'trace-01.ABC:x_y';
      expect((await request(server).get('/health/live').set('x-request-id', kept).expect(200)).headers['x-request-id']).toBe(kept);
      const plain64 = 'a'.repeat(64);
      expect((await request(server).get('/health/live').set('x-request-id', plain64)).headers['x-request-id']).toBe(plain64);
      for (const given of ['a'.repeat(65), 'x'.repeat(15_000), '<script>alert(1)</script>', 'id with spaces', 'é']) {
        const res = await request(server).get('/health/live').set('x-request-id', given).expect(200);
        expect(res.headers['x-request-id']).toMatch(uuid);
      }
    });
  });

  describe('rate limits', () => {
    let limited: NestFastifyApplication;
    const prefix = `cat_test_rate_${randomBytes(4).toString('hex')}:`;

    beforeAll(async () => {
      limited = await startApp({ REDIS_KEY_PREFIX: prefix, RATE_LIMIT_IP_PER_MINUTE: '5', RATE_LIMIT_CLIENT_PER_MINUTE: '8' });
    });
    afterAll(async () => {
      await limited.close();
      const redis = new Redis(process.env.REDIS_URL!);
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    });

    it('should count an address, whatever X-Forwarded-For claims, unless TRUST_PROXY says otherwise', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++) {
        const res = await request(appServer(limited)).get('/docs-json').set('x-forwarded-for', `198.51.100.${i}`);
        statuses.push(res.status);
        if (res.status === 429) {
          expect(res.body).toMatchObject({ statusCode: 429, code: 'TOO_MANY_REQUESTS' });
          expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
          expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
        }
      }
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
      // Probes are never limited.
      await request(appServer(limited)).get('/health/live').expect(200);
    });

    it('should count a key apart from its address', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 9; i++) statuses.push((await request(appServer(limited)).get('/v1/admin/stats').set(ADMIN)).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 429]);
    });
  });

  describe('exam configs, bounded and checked against the bank', () => {
    let bankId: string;
    const AREA = (k: number) => `area-${k}-`.padEnd(100, 'x');

    beforeAll(async () => {
      const bank = await request(server).post('/v1/item-banks').set(ADMIN).send({ name: 'areas' }).expect(201);
      bankId = bank.body.id;
      const items = makeItems(130, 5, 'area').map((item, i) => ({ ...item, contentArea: AREA(i % 65) }));
      await request(server).post(`/v1/item-banks/${bankId}/items`).set(ADMIN).send({ items }).expect(201);
    });

    const balance = (areas: number) => Object.fromEntries(Array.from({ length: areas }, (_, k) => [AREA(k), 1 / 65]));
    const start = (config: Record<string, unknown>) => startExam(server, { bankId, candidateId: 'bounded', config });
    const fieldsOf = (res: request.Response) => (res.body.details as { field: string }[]).map((d) => d.field);

    it('should accept the largest config (64 content areas of 100 characters)', async () => {
      await start({ selection: { contentBalance: balance(64), randomesque: 256 }, quadraturePoints: 501, maxItems: 1000, minItems: 1000, seThreshold: 10 }).expect(
        201,
      );
    });

    it('should refuse one area more, an area the bank does not have, and numbers out of range', async () => {
      expect(fieldsOf(await start({ selection: { contentBalance: balance(65) } }).expect(400))).toEqual(['config.selection.contentBalance']);
      expect(fieldsOf(await start({ selection: { contentBalance: { [AREA(1)]: 0.2, nowhere: 0.2 } } }).expect(400))).toEqual([
        'config.selection.contentBalance.nowhere',
      ]);
      expect(fieldsOf(await start({ selection: { contentBalance: { ['n'.repeat(101)]: 0.1 } } }).expect(400))).toEqual(['config.selection.contentBalance']);
      expect(fieldsOf(await start({ seThreshold: 10.5 }).expect(400))).toEqual(['config.seThreshold']);
      expect(fieldsOf(await start({ minItems: 1001, maxItems: 1000 }).expect(400))).toContain('config.minItems');
    });

    it('should check a test definition against its bank, and refuse to launch one the bank no longer fits', async () => {
      const bad = await request(server)
        .post(`/v1/item-banks/${bankId}/test-definitions`)
        .set(ADMIN)
        .send({ name: 'bad', config: { selection: { contentBalance: { nowhere: 0.5 } } } })
        .expect(400);
      expect(fieldsOf(bad)).toEqual(['config.selection.contentBalance.nowhere']);

      // A bank of its own whose only 'geometry' item loses its area after the definition was saved.
      const own = await createBank(server, 6, 11);
      const definitionId = await createDefinition(server, own.bankId, { selection: { contentBalance: { geometry: 0.5 } } });
      const items = await request(server).get(`/v1/item-banks/${own.bankId}/items`).set(ADMIN).expect(200);
      for (const item of items.body.items as { id: string; contentArea: string | null }[]) {
        if (item.contentArea === 'geometry') await request(server).patch(`/v1/items/${item.id}`).set(ADMIN).send({ contentArea: 'algebra' }).expect(200);
      }
      const refused = await request(server).post('/v1/exams').set(ADMIN).send({ testDefinitionId: definitionId, candidateId: 'c' }).expect(409);
      expect(refused.body).toMatchObject({ code: 'CONFLICT', details: [{ field: 'config.selection.contentBalance.geometry' }] });
    });
  });

  describe('bank snapshots within BANK_CACHE_MAX_MB', () => {
    it('should drop the least recently used banks past the budget', async () => {
      const small = await startApp({ BANK_CACHE_MAX_MB: '16' });
      try {
        const target = appServer(small);
        const bankIds: string[] = [];
        // Three banks of ~6 MB each in memory (10,000 items with 150-character stems): two fit in 16 MB.
        for (let b = 0; b < 3; b++) {
          const bank = await request(target).post('/v1/item-banks').set(ADMIN).send({ name: `big ${b}` }).expect(201);
          const items = makeItems(10_000, 20 + b, `lru${b}`).map((item) => ({ ...item, stem: item.stem.padEnd(150, '.') }));
          await request(target).post(`/v1/item-banks/${bank.body.id}/items`).set(ADMIN).send({ items }).expect(201);
          bankIds.push(bank.body.id);
        }
        for (const id of bankIds) await startExam(target, { bankId: id, candidateId: 'lru' }).expect(201);
        const stats = (await request(target).get('/v1/admin/stats').set(ADMIN).expect(200)).body.bankSnapshots;
        expect(stats.bytes).toBeLessThanOrEqual(16 * 1024 * 1024);
        expect(stats.banks).toBe(2);
        expect(stats.loads).toBe(3);
        // The dropped (least recently used) one comes back when used.
        const again = await startExam(target, { bankId: bankIds[0], candidateId: 'lru' }).expect(201);
        expect(again.body.item).toMatchObject({ id: expect.any(String) });
        const after = (await request(target).get('/v1/admin/stats').set(ADMIN).expect(200)).body.bankSnapshots;
        expect([after.banks, after.loads]).toEqual([2, 4]);
      } finally {
        await small.close();
      }
    });
  });

  it('should not leak anything through a token on the limits path', async () => {
    // An exam token is not a client key: it counts against the address, and a wrong one is a plain 401.
    const res = await request(server).get('/v1/exams/00000000-0000-4000-8000-000000000000').set(bearer('x'.repeat(43))).expect(401);
    expect(res.body).toMatchObject({ code: 'UNAUTHORIZED' });
  });
});
