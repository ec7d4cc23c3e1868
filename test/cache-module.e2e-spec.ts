import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import type { INestApplicationContext } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import request from 'supertest';
import { CacheModule } from '../src/cache/cache.module.js';
import { CacheService } from '../src/cache/cache.service.js';
import { CacheKeys } from '../src/cache/cache-keys.js';
import { CacheTier } from '../src/cache/cache-tiers.js';
import { AppConfigModule } from '../src/config/config.module.js';
import { MetricsModule } from '../src/metrics/metrics.module.js';
import { MetricsService } from '../src/metrics/metrics.service.js';
import { REDIS_CLIENT, type RedisClient } from '../src/redis/redis.constants.js';
import { RedisModule } from '../src/redis/redis.module.js';
import { ADMIN, appServer, bearer, createBank } from './support/exam-fixtures.js';
import { TcpProxy } from './support/tcp-proxy.js';
import { startApp, withEnv } from './support/test-app.js';

/**
 * The cache module against real Redis (the run's REDIS_KEY_PREFIX, whose keys global-teardown removes): on its
 * own (config, Redis, metrics, cache — no HTTP), and behind the exam API on two instances.
 */
const BUDGET_MS = 50;
/** Timer and event-loop slack allowed on top of the budget. */
const MARGIN_MS = 40;
const tier = CacheTier.ITEM_CONTENT;
const COMMAND_TIMEOUT_MS = 300;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function startCache(env: Record<string, string> = {}): Promise<INestApplicationContext> {
  const defaults = { CACHE_BUDGET_MS: String(BUDGET_MS), REDIS_COMMAND_TIMEOUT_MS: String(COMMAND_TIMEOUT_MS) };
  return withEnv({ ...defaults, ...env }, async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [AppConfigModule.forRoot(), RedisModule, MetricsModule, CacheModule],
    }).compile();
    moduleRef.useLogger(false);
    return moduleRef.init();
  });
}

function countingLoader<T>(value: () => T, delayMs = 5) {
  const loader = Object.assign(
    async () => {
      loader.calls++;
      const result = value();
      await sleep(delayMs);
      return result;
    },
    { calls: 0 },
  );
  return loader;
}

async function waitUntilReady(redis: RedisClient): Promise<void> {
  for (let i = 0; i < 100 && redis.status !== 'ready'; i++) await sleep(50);
  expect(redis.status).toBe('ready');
}

/** Times `count` reads of fresh keys (so each one has to ask Redis). */
async function timedReads(cache: CacheService, label: string, count: number) {
  const results: { value: string; elapsed: number }[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const value = await cache.getOrLoad(tier, `${label}-${randomUUID()}`, 'k', async () => `${label}-${i}`);
    results.push({ value, elapsed: performance.now() - started });
  }
  return results;
}

describe('CacheModule (e2e, real Redis)', () => {
  describe('two instances sharing Redis and the key prefix', () => {
    let one: INestApplicationContext;
    let two: INestApplicationContext;
    let cacheOne: CacheService;
    let cacheTwo: CacheService;

    beforeAll(async () => {
      [one, two] = await Promise.all([startCache(), startCache()]);
      cacheOne = one.get(CacheService);
      cacheTwo = two.get(CacheService);
    });
    afterAll(async () => {
      await Promise.all([one.close(), two.close()]);
    });

    it('should miss once cold, then hit (on both instances)', async () => {
      const namespace = `ns-${randomUUID()}`;
      const loader = countingLoader(() => ({ stem: 'cold', options: [{ key: 'A', text: 'a' }] }));
      const before = cacheOne.stats();

      expect(await cacheOne.getOrLoad(tier, namespace, 'item', loader)).toEqual({ stem: 'cold', options: [{ key: 'A', text: 'a' }] });
      await sleep(20); // the write-back is asynchronous
      expect(await cacheOne.getOrLoad(tier, namespace, 'item', loader)).toEqual({ stem: 'cold', options: [{ key: 'A', text: 'a' }] });
      expect(await cacheTwo.getOrLoad(tier, namespace, 'item', loader)).toEqual({ stem: 'cold', options: [{ key: 'A', text: 'a' }] });

      const after = cacheOne.stats();
      expect(loader.calls).toBe(1);
      expect(after.misses - before.misses).toBe(1);
      expect(after.hits - before.hits).toBe(1);
      expect(cacheTwo.stats().hits).toBeGreaterThanOrEqual(1);
    });

    it('should write the entry under the run prefix with the tier TTL', async () => {
      const namespace = `ns-${randomUUID()}`;
      await cacheOne.getOrLoad(tier, namespace, 'item', async () => 'v');
      await sleep(20);
      const raw = new Redis(process.env.REDIS_URL!);
      try {
        const key = `${process.env.REDIS_KEY_PREFIX}${CacheKeys.entry(tier, namespace, '0', 'item')}`;
        expect(await raw.get(key)).toBe('"v"');
        const ttl = await raw.ttl(key);
        expect(ttl).toBeGreaterThan(3_500);
        expect(ttl).toBeLessThanOrEqual(3_600);
      } finally {
        await raw.quit();
      }
    });

    it('should load once for 100 concurrent cold reads of one key', async () => {
      const namespace = `ns-${randomUUID()}`;
      const loader = countingLoader(() => 'v', 30);
      const values = await Promise.all(Array.from({ length: 100 }, () => cacheOne.getOrLoad(tier, namespace, 'k', loader)));
      expect(values).toEqual(Array(100).fill('v'));
      expect(loader.calls).toBe(1);
    });

    it("should show the other instance the new content on its next read after an invalidation", async () => {
      const namespace = `bank:${randomUUID()}`;
      let content = 'old';
      const loader = countingLoader(() => content);
      expect(await cacheTwo.getOrLoad(tier, namespace, 'item', loader)).toBe('old');
      await sleep(20);
      expect(await cacheTwo.getOrLoad(tier, namespace, 'item', loader)).toBe('old'); // cached on instance two
      expect(await cacheOne.getOrLoad(tier, namespace, 'item', loader)).toBe('old'); // and shared
      expect(loader.calls).toBe(1);

      content = 'new';
      await cacheOne.invalidate(namespace);
      expect(await cacheTwo.getOrLoad(tier, namespace, 'item', loader)).toBe('new');
      expect(await cacheOne.getOrLoad(tier, namespace, 'item', loader)).toBe('new');
      expect(loader.calls).toBe(2);
    });

    it('should count hits and misses in /metrics', async () => {
      const metrics = one.get(MetricsService);
      const { body } = await metrics.exposition();
      expect(body).toMatch(/cat_cache_requests_total\{tier="item-content",result="hit"\} [1-9]/);
      expect(body).toMatch(/cat_cache_requests_total\{tier="item-content",result="miss"\} [1-9]/);
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

  describe('with Redis stopped (connection cut)', () => {
    const redisUrl = new URL(process.env.REDIS_URL!);
    const proxy = new TcpProxy(redisUrl.hostname, Number(redisUrl.port || 6379));
    let context: INestApplicationContext;
    let cache: CacheService;

    beforeAll(async () => {
      const port = await proxy.start();
      context = await startCache({ REDIS_URL: `redis://127.0.0.1:${port}` });
      cache = context.get(CacheService);
      await waitUntilReady(context.get<RedisClient>(REDIS_CLIENT));
    });
    afterAll(async () => {
      await context.close();
      await proxy.stop();
    });

    it('should answer every read from the loader within the budget and count the bypasses', async () => {
      const warm = `ns-${randomUUID()}`;
      await cache.getOrLoad(tier, warm, 'k', async () => 'cached');
      await sleep(20);
      await proxy.stop();

      const before = cache.stats().bypasses;
      const reads = await timedReads(cache, 'down', 5);
      reads.forEach(({ value, elapsed }, i) => {
        expect(value).toBe(`down-${i}`);
        expect(elapsed).toBeLessThan(BUDGET_MS + MARGIN_MS);
      });
      // Even an entry that is in Redis comes from the loader now.
      expect(await cache.getOrLoad(tier, warm, 'k', async () => 'from-db')).toBe('from-db');
      expect(cache.stats().bypasses - before).toBe(6);
      await expect(cache.invalidate(warm)).resolves.toBeUndefined();

      const { body } = await context.get(MetricsService).exposition();
      expect(body).toMatch(/cat_cache_requests_total\{tier="item-content",result="bypass"\} 6/);
      expect(body).toMatch(/cat_redis_fallbacks_total\{operation="cache-read"\} [1-9]/);
    });

    it('should use Redis again once it is back', async () => {
      await proxy.restart();
      await waitUntilReady(context.get<RedisClient>(REDIS_CLIENT));
      const namespace = `ns-${randomUUID()}`;
      const loader = countingLoader(() => 'back');
      await cache.getOrLoad(tier, namespace, 'k', loader);
      await sleep(20);
      const before = cache.stats().hits;
      expect(await cache.getOrLoad(tier, namespace, 'k', loader)).toBe('back');
      expect(cache.stats().hits - before).toBe(1);
      expect(loader.calls).toBe(1);
    });
  });

  describe('with Redis stalled (a private redis-server, SIGSTOPped)', () => {
    let server: ChildProcess;
    let context: INestApplicationContext;
    let cache: CacheService;

    beforeAll(async () => {
      const port = await freePort();
      server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
        stdio: 'ignore',
      });
      await waitForPort(port);
      context = await startCache({ REDIS_URL: `redis://127.0.0.1:${port}` });
      cache = context.get(CacheService);
      await waitUntilReady(context.get<RedisClient>(REDIS_CLIENT));
    });
    afterAll(async () => {
      server.kill('SIGCONT');
      await context?.close();
      server.kill('SIGKILL');
    });

    it('should give up on Redis after the budget and answer from the loader', async () => {
      const warm = `ns-${randomUUID()}`;
      await cache.getOrLoad(tier, warm, 'k', async () => 'cached');
      await sleep(20);
      server.kill('SIGSTOP');
      try {
        const before = cache.stats().bypasses;
        const reads = await timedReads(cache, 'stalled', 3);
        reads.forEach(({ value, elapsed }, i) => {
          expect(value).toBe(`stalled-${i}`);
          expect(elapsed).toBeGreaterThanOrEqual(BUDGET_MS - 5); // it did wait on Redis, up to the budget
          expect(elapsed).toBeLessThan(BUDGET_MS + MARGIN_MS);
        });
        expect(cache.stats().bypasses - before).toBe(3);
        // An invalidation waits for the command timeout rather than the read budget, and does not throw.
        const started = performance.now();
        await expect(cache.invalidate(warm)).resolves.toBeUndefined();
        expect(performance.now() - started).toBeLessThan(COMMAND_TIMEOUT_MS + MARGIN_MS);
      } finally {
        server.kill('SIGCONT');
      }
    });
  });
});

async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await sleep(50);
  }
  throw new Error(`redis-server did not listen on ${port}`);
}
