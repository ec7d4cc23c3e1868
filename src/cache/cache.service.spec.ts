import { jest } from '@jest/globals';
import { MetricsService } from '../metrics/metrics.service.js';
import type { RedisClient } from '../redis/redis.constants.js';
import { CacheKeys } from './cache-keys.js';
import { CacheService } from './cache.service.js';
import { CacheTier, DEFAULT_TTL_SECONDS, type CacheSettings } from './cache-tiers.js';

const BUDGET_MS = 25;
const tier = CacheTier.ITEM_CONTENT;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Mode = 'up' | 'down' | 'stalled';

/**
 * An in-memory stand-in for the ioredis client: the three commands the cache sends, with the read script's
 * semantics, and switches for "down" (rejects at once, like enableOfflineQueue: false) and "stalled".
 */
class FakeRedis {
  readonly store = new Map<string, string>();
  readonly sets: { key: string; value: string; ttl: number }[] = [];
  mode: Mode = 'up';
  setDelayMs = 0;
  failSets = false;
  reads = 0;

  defineCommand(name: string): void {
    expect(name).toBe('cacheRead');
  }

  cacheRead(versionKey: string, entryStem: string, key: string): Promise<[string, string | null]> {
    this.reads++;
    return this.reply(() => {
      const version = this.store.get(versionKey) ?? '0';
      return [version, this.store.get(`${entryStem}${version}:${key}`) ?? null];
    });
  }

  incr(key: string): Promise<number> {
    return this.reply(() => {
      const next = Number(this.store.get(key) ?? '0') + 1;
      this.store.set(key, String(next));
      return next;
    });
  }

  async set(key: string, value: string, ex: 'EX', ttl: number): Promise<'OK'> {
    expect(ex).toBe('EX');
    if (this.setDelayMs > 0) await sleep(this.setDelayMs);
    if (this.failSets) throw new Error('READONLY You cannot write against a read only replica');
    return this.reply(() => {
      this.store.set(key, value);
      this.sets.push({ key, value, ttl });
      return 'OK' as const;
    });
  }

  private reply<T>(result: () => T): Promise<T> {
    if (this.mode === 'down') return Promise.reject(new Error("Stream isn't writeable and enableOfflineQueue options is false"));
    if (this.mode === 'stalled') return new Promise<T>(() => undefined);
    return new Promise((resolve) => setImmediate(() => resolve(result())));
  }
}

/** A loader that counts its calls and returns whatever `value()` gives when it is called. */
function countingLoader<T>(value: () => T, delayMs = 5) {
  const loader = Object.assign(
    async () => {
      loader.calls++;
      await sleep(delayMs);
      return value();
    },
    { calls: 0 },
  );
  return loader;
}

function build(settings: Partial<CacheSettings> = {}) {
  const redis = new FakeRedis();
  const metrics = new MetricsService();
  const cache = new CacheService(redis as unknown as RedisClient, metrics, {
    budgetMs: BUDGET_MS,
    ttlSeconds: DEFAULT_TTL_SECONDS,
    ...settings,
  });
  return { redis, metrics, cache };
}

/** Waits until the asynchronous write-back has landed. */
async function settled(redis: FakeRedis, count = 1): Promise<void> {
  for (let i = 0; i < 100 && redis.sets.length < count; i++) await sleep(2);
}

async function metricText(metrics: MetricsService): Promise<string> {
  return (await metrics.exposition()).body;
}

describe('CacheKeys', () => {
  it('should build entries under the namespace hash tag, tier and version', () => {
    expect(CacheKeys.namespaceVersion('bank:42')).toBe('cache:{bank:42}:version');
    expect(CacheKeys.entry(CacheTier.ITEM_CONTENT, 'bank:42', '3', '7:12')).toBe('cache:{bank:42}:item-content:v3:7:12');
    expect(CacheKeys.entry(tier, 'bank:42', '3', 'k').startsWith(CacheKeys.entryStem(tier, 'bank:42'))).toBe(true);
  });

  it('should refuse namespaces that would move the hash tag or are empty', () => {
    expect(() => CacheKeys.namespaceVersion('a}b')).toThrow('Invalid cache namespace');
    expect(() => CacheKeys.entryStem(tier, '')).toThrow('Invalid cache namespace');
    expect(() => CacheKeys.entryStem(tier, 'has space')).toThrow('Invalid cache namespace');
  });
});

describe(CacheService.name, () => {
  describe('getOrLoad', () => {
    it('should miss once cold, then hit without loading again', async () => {
      const { redis, cache } = build();
      const loader = countingLoader(() => ({ stem: 'What is 2 + 2?', options: [{ key: 'A', text: '4' }] }));

      const cold = await cache.getOrLoad(tier, 'bank:1', '1:0', loader);
      await settled(redis);
      const warm = await cache.getOrLoad(tier, 'bank:1', '1:0', loader);

      expect(warm).toEqual(cold);
      expect(loader.calls).toBe(1);
      const stats = cache.stats();
      expect(stats).toMatchObject({ hits: 1, misses: 1, bypasses: 0, hitRate: 0.5 });
      expect(stats.tiers[tier]).toMatchObject({ hits: 1, misses: 1, loads: 1 });
      expect(stats.tiers[tier].avgLoadMs).toBeGreaterThan(0);
    });

    it('should store with the TTL of the tier', async () => {
      const { redis, cache } = build({ ttlSeconds: { ...DEFAULT_TTL_SECONDS, [tier]: 90 } });
      await cache.getOrLoad(tier, 'bank:1', 'k', async () => 1);
      await settled(redis, 1);
      expect(redis.sets.map((s) => [s.key, s.ttl])).toEqual([['cache:{bank:1}:item-content:v0:k', 90]]);
    });

    it('should load once for 100 concurrent cold reads of one key', async () => {
      const { cache } = build();
      const loader = countingLoader(() => 'v', 20);
      const values = await Promise.all(Array.from({ length: 100 }, () => cache.getOrLoad(tier, 'bank:1', 'k', loader)));
      expect(values).toEqual(Array(100).fill('v'));
      expect(loader.calls).toBe(1);
      expect(cache.stats().tiers[tier].loads).toBe(1);
    });

    it('should let a read that missed just before the write-back landed join the finished load', async () => {
      const { redis, cache } = build();
      redis.setDelayMs = 15; // the value is loaded but not in Redis yet
      const loader = countingLoader(() => 'v', 1);
      await cache.getOrLoad(tier, 'bank:1', 'k', loader);
      expect(await cache.getOrLoad(tier, 'bank:1', 'k', loader)).toBe('v');
      expect(loader.calls).toBe(1);
    });

    it('should keep different keys and namespaces apart', async () => {
      const { redis, cache } = build();
      await cache.getOrLoad(tier, 'bank:1', 'a', async () => 'a1');
      await cache.getOrLoad(tier, 'bank:2', 'a', async () => 'a2');
      await cache.getOrLoad(tier, 'bank:1', 'b', async () => 'b1');
      await settled(redis, 3);
      expect(await cache.getOrLoad(tier, 'bank:1', 'a', async () => 'x')).toBe('a1');
      expect(await cache.getOrLoad(tier, 'bank:2', 'a', async () => 'x')).toBe('a2');
      expect(await cache.getOrLoad(tier, 'bank:1', 'b', async () => 'x')).toBe('b1');
    });

    it('should cache null but not undefined', async () => {
      const { redis, cache } = build();
      expect(await cache.getOrLoad(tier, 'bank:1', 'null', async () => null)).toBeNull();
      expect(await cache.getOrLoad(tier, 'bank:1', 'undef', async () => undefined)).toBeUndefined();
      await settled(redis);
      await sleep(10);
      expect(redis.sets.map((s) => s.key)).toEqual(['cache:{bank:1}:item-content:v0:null']);
      expect(await cache.getOrLoad(tier, 'bank:1', 'null', async () => 'loaded')).toBeNull();
    });

    it('should treat a corrupt entry as a miss and replace it', async () => {
      const { redis, cache } = build();
      redis.store.set(CacheKeys.entry(tier, 'bank:1', '0', 'k'), '{not json');
      expect(await cache.getOrLoad(tier, 'bank:1', 'k', async () => ({ ok: true }))).toEqual({ ok: true });
      await settled(redis);
      expect(redis.store.get(CacheKeys.entry(tier, 'bank:1', '0', 'k'))).toBe('{"ok":true}');
      expect(cache.stats()).toMatchObject({ hits: 0, misses: 1 });
    });

    it('should throw on a malformed namespace instead of counting a bypass', async () => {
      const { cache } = build();
      await expect(cache.getOrLoad(tier, 'bank:{1}', 'k', async () => 'v')).rejects.toThrow('Invalid cache namespace');
      expect(cache.stats().bypasses).toBe(0);
    });

    it('should pass a loader error to the caller and retry on the next read', async () => {
      const { cache } = build();
      const failing = jest.fn<() => Promise<string>>().mockRejectedValueOnce(new Error('db down')).mockResolvedValue('ok');
      await expect(cache.getOrLoad(tier, 'bank:1', 'k', failing)).rejects.toThrow('db down');
      expect(await cache.getOrLoad(tier, 'bank:1', 'k', failing)).toBe('ok');
      expect(failing).toHaveBeenCalledTimes(2);
    });
  });

  describe('invalidate', () => {
    it('should make the next read load afresh', async () => {
      const { redis, cache } = build();
      let content = 'old';
      const loader = countingLoader(() => content);
      expect(await cache.getOrLoad(tier, 'bank:1', 'k', loader)).toBe('old');
      await settled(redis);
      content = 'new';
      await cache.invalidate('bank:1');
      expect(await cache.getOrLoad(tier, 'bank:1', 'k', loader)).toBe('new');
      expect(loader.calls).toBe(2);
      expect(redis.store.get(CacheKeys.namespaceVersion('bank:1'))).toBe('1');
    });

    it('should not let a read after the invalidation join a load started before it', async () => {
      const { cache } = build();
      let content = 'old';
      const loader = async () => {
        const read = content; // what the source held when the load began
        await sleep(20);
        return read;
      };
      const before = cache.getOrLoad(tier, 'bank:1', 'k', loader);
      await sleep(5); // the first load is under way, holding the old content
      content = 'new';
      await cache.invalidate('bank:1');
      expect(await cache.getOrLoad(tier, 'bank:1', 'k', loader)).toBe('new');
      expect(await before).toBe('old');
    });

    it('should only touch its own namespace', async () => {
      const { redis, cache } = build();
      const other = countingLoader(() => 'other');
      await cache.getOrLoad(tier, 'bank:2', 'k', other);
      await settled(redis);
      await cache.invalidate('bank:1');
      expect(await cache.getOrLoad(tier, 'bank:2', 'k', other)).toBe('other');
      expect(other.calls).toBe(1);
    });

    it('should give up on a stalled Redis after its backstop, without throwing', async () => {
      const { redis, metrics, cache } = build();
      redis.mode = 'stalled';
      jest.useFakeTimers();
      try {
        const done = cache.invalidate('bank:1');
        await jest.advanceTimersByTimeAsync(2_000);
        await expect(done).resolves.toBeUndefined();
      } finally {
        jest.useRealTimers();
      }
      expect(await metricText(metrics)).toContain('cat_redis_fallbacks_total{operation="cache-invalidate"} 1');
    });

    it('should not throw while Redis is down, and count the failure', async () => {
      const { redis, metrics, cache } = build();
      redis.mode = 'down';
      await expect(cache.invalidate('bank:1')).resolves.toBeUndefined();
      expect(await metricText(metrics)).toContain('cat_redis_fallbacks_total{operation="cache-invalidate"} 1');
    });
  });

  describe('when Redis is down', () => {
    it('should read through to the loader at once and count a bypass per read', async () => {
      const { redis, metrics, cache } = build();
      redis.mode = 'down';
      const loader = countingLoader(() => 'from-db', 1);
      const started = performance.now();
      for (let i = 0; i < 5; i++) expect(await cache.getOrLoad(tier, 'bank:1', 'k', loader)).toBe('from-db');
      expect(performance.now() - started).toBeLessThan(BUDGET_MS); // five reads, none waited for a budget
      expect(loader.calls).toBe(5);
      expect(cache.stats()).toMatchObject({ hits: 0, misses: 0, bypasses: 5, hitRate: 0 });
      const text = await metricText(metrics);
      expect(text).toContain('cat_cache_requests_total{tier="item-content",result="bypass"} 5');
      expect(text).toContain('cat_redis_fallbacks_total{operation="cache-read"} 5');
    });

    it('should still load once for concurrent reads of one key', async () => {
      const { redis, cache } = build();
      redis.mode = 'down';
      const loader = countingLoader(() => 'v', 10);
      await Promise.all(Array.from({ length: 50 }, () => cache.getOrLoad(tier, 'bank:1', 'k', loader)));
      expect(loader.calls).toBe(1);
      expect(cache.stats().bypasses).toBe(50);
    });

    it('should swallow and count a failed write-back', async () => {
      const { redis, metrics, cache } = build();
      redis.failSets = true;
      expect(await cache.getOrLoad(tier, 'bank:1', 'k', async () => 'v')).toBe('v');
      await sleep(10);
      expect(cache.stats().tiers[tier].writeFailures).toBe(1);
      expect(await metricText(metrics)).toContain('cat_cache_write_failures_total{tier="item-content"} 1');
    });
  });

  describe('when Redis is stalled', () => {
    it('should give up on Redis after the budget and answer from the loader', async () => {
      const { redis, metrics, cache } = build();
      redis.mode = 'stalled';
      const started = performance.now();
      expect(await cache.getOrLoad(tier, 'bank:1', 'k', async () => 'v')).toBe('v');
      const elapsed = performance.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(BUDGET_MS - 2);
      expect(elapsed).toBeLessThan(BUDGET_MS + 30);
      expect(cache.stats().bypasses).toBe(1);
      // Slow is not an error: a bypass, but no Redis fallback or error is counted.
      expect(await metricText(metrics)).not.toContain('cat_redis_fallbacks_total{operation="cache-read"}');
    });

    it('should load once when concurrent reads straddle the budget (some bypass, some miss)', async () => {
      const { redis, cache } = build();
      redis.mode = 'stalled';
      const loader = countingLoader(() => 'v', BUDGET_MS * 2);
      const bypassing = cache.getOrLoad(tier, 'bank:1', 'k', loader);
      await sleep(BUDGET_MS + 10); // the first read gave up on Redis and is loading
      redis.mode = 'up';
      const missing = cache.getOrLoad(tier, 'bank:1', 'k', loader);
      expect(await Promise.all([bypassing, missing])).toEqual(['v', 'v']);
      expect(loader.calls).toBe(1);
      expect(cache.stats()).toMatchObject({ bypasses: 1, misses: 1 });
    });

    it('should ignore a reply that arrives after the budget', async () => {
      const { redis, cache } = build();
      let release: (value: [string, string | null]) => void = () => undefined;
      jest.spyOn(redis, 'cacheRead').mockReturnValueOnce(new Promise((resolve) => (release = resolve)));
      expect(await cache.getOrLoad(tier, 'bank:1', 'k', async () => 'fresh')).toBe('fresh');
      release(['0', JSON.stringify('late')]);
      await sleep(5);
      expect(cache.stats()).toMatchObject({ hits: 0, bypasses: 1 });
    });
  });

  describe('stats', () => {
    it('should report every tier, zeroed, before any read', () => {
      const { cache } = build();
      const stats = cache.stats();
      expect(stats).toMatchObject({ hits: 0, misses: 0, hitRate: 0, bypasses: 0 });
      expect(Object.keys(stats.tiers).sort()).toEqual(['item-content']);
      expect(stats.tiers[tier]).toEqual({ hits: 0, misses: 0, bypasses: 0, loads: 0, loadMs: 0, writeFailures: 0, avgLoadMs: 0 });
    });
  });
});
