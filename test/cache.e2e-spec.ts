import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { CacheService } from '../src/cache/cache.service.js';
import { CacheTier } from '../src/cache/cache-tiers.js';
import { REDIS_CLIENT, type RedisClient } from '../src/redis/redis.constants.js';
import request from 'supertest';
import { ADMIN, appServer, bearer, createBank } from './support/exam-fixtures.js';
import { TcpProxy } from './support/tcp-proxy.js';
import { startApp } from './support/test-app.js';

const BUDGET_MS = 50;
const tier = CacheTier.ITEM_CONTENT;

/** A loader that counts its calls and returns whatever `value` holds at call time. */
function countingLoader<T>(value: () => T, delayMs = 5) {
  const loader = Object.assign(
    async () => {
      loader.calls++;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      return value();
    },
    { calls: 0 },
  );
  return loader;
}

describe('CacheService (e2e, real Redis)', () => {
  describe('with Redis up, two instances sharing it', () => {
    let one: NestFastifyApplication;
    let two: NestFastifyApplication;
    let cacheOne: CacheService;
    let cacheTwo: CacheService;

    beforeAll(async () => {
      [one, two] = await Promise.all([startApp(), startApp()]);
      cacheOne = one.get(CacheService);
      cacheTwo = two.get(CacheService);
    });
    afterAll(async () => {
      await Promise.all([one.close(), two.close()]);
    });

    it('should miss once cold, then hit', async () => {
      const namespace = `ns-${randomUUID()}`;
      const loader = countingLoader(() => ({ stem: 'cold' }));
      const before = cacheOne.stats();
      expect(await cacheOne.getOrLoad(tier, namespace, 'k', loader)).toEqual({ stem: 'cold' });
      await new Promise((resolve) => setTimeout(resolve, 20)); // the write-back is asynchronous
      expect(await cacheOne.getOrLoad(tier, namespace, 'k', loader)).toEqual({ stem: 'cold' });
      expect(await cacheTwo.getOrLoad(tier, namespace, 'k', loader)).toEqual({ stem: 'cold' });
      const after = cacheOne.stats();
      expect(loader.calls).toBe(1);
      expect(after.misses - before.misses).toBe(1);
      expect(after.hits - before.hits).toBe(1);
      expect(cacheTwo.stats().hits).toBeGreaterThanOrEqual(1);
    });

    it('should load once for 100 concurrent cold reads of one key', async () => {
      const namespace = `ns-${randomUUID()}`;
      const loader = countingLoader(() => 'v', 30);
      const values = await Promise.all(Array.from({ length: 100 }, () => cacheOne.getOrLoad(tier, namespace, 'k', loader)));
      expect(values).toEqual(Array(100).fill('v'));
      expect(loader.calls).toBe(1);
    });

    it('should show every instance the new content after an invalidation', async () => {
      const namespace = `ns-${randomUUID()}`;
      let content = 'old';
      const loader = countingLoader(() => content);
      expect(await cacheTwo.getOrLoad(tier, namespace, 'item', loader)).toBe('old');
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await cacheOne.getOrLoad(tier, namespace, 'item', loader)).toBe('old'); // a hit, shared

      content = 'new';
      await cacheOne.invalidate(namespace);
      expect(await cacheTwo.getOrLoad(tier, namespace, 'item', loader)).toBe('new');
      expect(loader.calls).toBe(2);
    });
  });

  describe('item content behind the exam API', () => {
    let one: NestFastifyApplication;
    let two: NestFastifyApplication;

    beforeAll(async () => {
      [one, two] = await Promise.all([startApp(), startApp()]);
    });
    afterAll(async () => {
      await Promise.all([one.close(), two.close()]);
    });

    it('should show the edited item on every instance right after a PATCH', async () => {
      const { bankId } = await createBank(appServer(one), 10, 11);
      const started = await request(appServer(one)).post('/v1/exams').send({ bankId, candidateId: 'cache-c' }).expect(201);
      const examId = started.body.examId as string;
      const itemId = started.body.item.id as string;
      // Both instances have read (and so cached) the item being shown.
      await request(appServer(one)).get(`/v1/exams/${examId}`).set(bearer(started.body.token)).expect(200);
      const before = await request(appServer(two)).get(`/v1/exams/${examId}`).set(bearer(started.body.token)).expect(200);
      expect(before.body.item.stem).toBe(started.body.item.stem);

      await request(appServer(one)).patch(`/v1/items/${itemId}`).set(ADMIN).send({ stem: 'Edited stem' }).expect(200);
      const after = await request(appServer(two)).get(`/v1/exams/${examId}`).set(bearer(started.body.token)).expect(200);
      expect(after.body.item).toMatchObject({ id: itemId, stem: 'Edited stem' });
      expect(after.body.item).not.toHaveProperty('correctKey');
      const stats = await request(appServer(two)).get('/v1/admin/stats').set(ADMIN).expect(200);
      expect(stats.body.cache.hits).toBeGreaterThan(0);
    });
  });

  describe('when Redis goes away or stalls', () => {
    const redisUrl = new URL(process.env.REDIS_URL!);
    const proxy = new TcpProxy(redisUrl.hostname, Number(redisUrl.port || 6379));
    let app: NestFastifyApplication;
    let cache: CacheService;

    beforeAll(async () => {
      const port = await proxy.start();
      app = await startApp({ REDIS_URL: `redis://127.0.0.1:${port}`, CACHE_BUDGET_MS: String(BUDGET_MS) });
      cache = app.get(CacheService);
    });
    afterAll(async () => {
      proxy.resume();
      await app.close();
      await proxy.stop();
    });

    async function timedRead(namespace: string, value: string) {
      const loader = countingLoader(() => value, 1);
      const started = performance.now();
      const result = await cache.getOrLoad(tier, namespace, 'k', loader);
      return { result, elapsed: performance.now() - started, calls: loader.calls };
    }

    it('should answer from the loader within the budget while Redis is down, counting bypasses', async () => {
      await proxy.stop();
      const before = cache.stats().bypasses;
      for (let i = 0; i < 5; i++) {
        const { result, elapsed, calls } = await timedRead(`down-${i}`, `v${i}`);
        expect(result).toBe(`v${i}`);
        expect(calls).toBe(1);
        expect(elapsed).toBeLessThan(BUDGET_MS + 40);
      }
      expect(cache.stats().bypasses - before).toBe(5);
      await proxy.restart();
    });

    it('should answer within the budget while Redis is stalled', async () => {
      const redis = app.get<RedisClient>(REDIS_CLIENT);
      for (let i = 0; i < 100 && redis.status !== 'ready'; i++) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(redis.status).toBe('ready'); // reconnected after the outage above, so reads now reach the stall
      proxy.stall();
      const before = cache.stats().bypasses;
      for (let i = 0; i < 3; i++) {
        const { result, elapsed } = await timedRead(`stalled-${i}`, `s${i}`);
        expect(result).toBe(`s${i}`);
        expect(elapsed).toBeGreaterThanOrEqual(BUDGET_MS - 5); // it did wait on Redis, up to the budget
        expect(elapsed).toBeLessThan(BUDGET_MS + 40);
      }
      expect(cache.stats().bypasses - before).toBe(3);
      proxy.resume();
    });
  });
});
