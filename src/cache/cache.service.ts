import { Inject, Injectable, Logger } from '@nestjs/common';
import { MetricsService } from '../metrics/metrics.service.js';
import { REDIS_CLIENT, type RedisClient } from '../redis/redis.constants.js';
import { CacheKeys } from './cache-keys.js';
import { CACHE_SETTINGS, CACHE_TIERS, type CacheSettings, type CacheTier } from './cache-tiers.js';

// One round trip: the namespace version and the entry of that version (both keys share a hash tag).
const READ_SCRIPT = `
local version = redis.call('GET', KEYS[1]) or '0'
return { version, redis.call('GET', KEYS[2] .. version .. ':' .. ARGV[1]) }`;

interface ScriptedClient {
  cacheRead(versionKey: string, entryStem: string, key: string): Promise<[string, string | null]>;
}

interface TierCounters {
  hits: number;
  misses: number;
  bypasses: number;
  /** Loader calls (after single-flight: concurrent misses of one key count once). */
  loads: number;
  loadMs: number;
  /** Write-backs that failed or ran over the budget (swallowed: they only cost a later miss). */
  writeFailures: number;
}

export interface TierStats extends TierCounters {
  avgLoadMs: number;
}

export interface CacheStats {
  hits: number;
  misses: number;
  /** hits / (hits + misses); bypassed reads are not lookups and do not count. 0 before any lookup. */
  hitRate: number;
  bypasses: number;
  tiers: Record<CacheTier, TierStats>;
}

class BudgetExceeded extends Error {}

/**
 * Backstop for invalidations, which otherwise wait for the client's own command timeout
 * (REDIS_COMMAND_TIMEOUT_MS): no caller hangs even on a client configured without one.
 */
const INVALIDATE_CEILING_MS = 2_000;

interface Flight {
  /** The namespace version the load was started for; null for a bypass (version unknown). */
  version: string | null;
  /** This process's invalidation count of the namespace when the load started. */
  epoch: number;
  promise: Promise<unknown>;
}

/**
 * Read-through cache on the shared Redis, for content a candidate may see (never correct keys).
 *
 * - A request never fails or waits past the budget because of the cache: when Redis is down, erroring or
 *   slower than `budgetMs`, the value comes from the loader and a bypass is counted; a late reply is ignored.
 * - Concurrent misses of one entry in this process share a single load (and a read racing the write-back
 *   joins it too), so a cold key costs the source one query however many requests want it.
 * - `invalidate(namespace)` bumps the namespace version; every instance's next read (which reads the version
 *   in the same round trip as the entry) misses and loads afresh.
 *
 * Contract for callers: the namespace is what an update invalidates (e.g. `bank:<id>`); the key should also
 * carry the source's own version when there is one (e.g. `<bankVersion>:<ordinal>`), so that an update made
 * while Redis was unreachable, whose version bump was lost, still cannot serve stale content.
 */
@Injectable()
export class CacheService {
  private readonly logger = new Logger(CacheService.name);
  private readonly scripted: ScriptedClient;
  /** Loads under way (and until their write-back settles), by tier, namespace and key. */
  private readonly inFlight = new Map<string, Flight>();
  /** Bumped by local invalidations so that bypass loads started before one are not joined after it. */
  private readonly localEpochs = new Map<string, number>();
  private readonly counters = Object.fromEntries(
    CACHE_TIERS.map((tier) => [tier, { hits: 0, misses: 0, bypasses: 0, loads: 0, loadMs: 0, writeFailures: 0 }]),
  ) as Record<CacheTier, TierCounters>;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly metrics: MetricsService,
    @Inject(CACHE_SETTINGS) private readonly settings: CacheSettings,
  ) {
    redis.defineCommand('cacheRead', { numberOfKeys: 2, lua: READ_SCRIPT });
    this.scripted = redis as unknown as ScriptedClient;
  }

  /**
   * The cached value of `key` in `namespace`, or `loader()`'s, stored for the tier's TTL. Values must be
   * JSON-serialisable (`undefined` is returned but not stored). A loader error reaches the caller unchanged.
   */
  async getOrLoad<T>(tier: CacheTier, namespace: string, key: string, loader: () => Promise<T>): Promise<T> {
    // Built first: a malformed namespace is the caller's bug and throws, it is not a Redis failure.
    const versionKey = CacheKeys.namespaceVersion(namespace);
    const entryStem = CacheKeys.entryStem(tier, namespace);
    let version: string;
    try {
      const [currentVersion, cached] = await this.withinBudget(this.scripted.cacheRead(versionKey, entryStem, key));
      version = currentVersion;
      if (cached !== null) {
        const value = parse<T>(cached);
        if (value.ok) {
          this.count(tier, 'hit');
          return value.value;
        }
      }
    } catch (error) {
      this.count(tier, 'bypass');
      if (!(error instanceof BudgetExceeded)) this.metrics.redisFallback('cache-read');
      return this.singleFlight(tier, namespace, key, null, () => this.load(tier, loader));
    }
    this.count(tier, 'miss');
    return this.singleFlight(
      tier,
      namespace,
      key,
      version,
      () => this.load(tier, loader),
      (value) => this.writeBack(tier, CacheKeys.entry(tier, namespace, version, key), value),
    );
  }

  /**
   * Retires every entry of the namespace, on every instance, from the next read on. Call it after the source
   * change has committed. It waits for Redis up to the client's command timeout (REDIS_COMMAND_TIMEOUT_MS),
   * not the read budget: it runs on write paths, where a lost bump costs more than a few hundred ms. Never
   * throws: if Redis is unreachable the bump is lost (logged and counted), which is why keys should also carry
   * a source version.
   */
  async invalidate(namespace: string): Promise<void> {
    const versionKey = CacheKeys.namespaceVersion(namespace);
    this.localEpochs.set(namespace, (this.localEpochs.get(namespace) ?? 0) + 1);
    try {
      await this.within(INVALIDATE_CEILING_MS, this.redis.incr(versionKey));
    } catch (error) {
      this.logger.warn(`Cache invalidation of ${namespace} failed: ${message(error)}`);
      this.metrics.redisFallback('cache-invalidate');
    }
  }

  /** This instance's counters since start (for /v1/admin/stats; /metrics has the same per tier). */
  stats(): CacheStats {
    let hits = 0;
    let misses = 0;
    let bypasses = 0;
    const tiers = {} as CacheStats['tiers'];
    for (const tier of CACHE_TIERS) {
      const c = this.counters[tier];
      hits += c.hits;
      misses += c.misses;
      bypasses += c.bypasses;
      tiers[tier] = { ...c, avgLoadMs: c.loads === 0 ? 0 : c.loadMs / c.loads };
    }
    const lookups = hits + misses;
    return { hits, misses, hitRate: lookups === 0 ? 0 : hits / lookups, bypasses, tiers };
  }

  /**
   * One loader call per entry at a time, in this process.
   *
   * - A miss joins a load of the same entry started at the same namespace version (and local epoch) only, so
   *   a read after an invalidation never gets content loaded before it.
   * - A bypass (version unknown: Redis down or slow) joins whatever load of the entry is under way since the
   *   last local invalidation, so an outage does not turn into a stampede on the source; a miss joins a bypass
   *   load of the same epoch as well (reads straddling the budget still load once).
   * - A flight stays joinable until its write-back settles, so a read that missed Redis just before the value
   *   landed joins the finished load instead of starting another.
   */
  private singleFlight<T>(
    tier: CacheTier,
    namespace: string,
    key: string,
    version: string | null,
    run: () => Promise<T>,
    writeBack?: (value: T) => Promise<void>,
  ): Promise<T> {
    const entry = `${tier}\u0000${namespace}\u0000${key}`;
    const epoch = this.localEpochs.get(namespace) ?? 0;
    const current = this.inFlight.get(entry);
    // A bypass load (version unknown) is joinable by a miss too: the caller's key carries the source version,
    // so both want the same content, and a Redis slower than the budget for some reads must not double the load.
    if (current && current.epoch === epoch && (version === null || current.version === null || current.version === version)) {
      return current.promise as Promise<T>;
    }
    const flight: Flight = { version, epoch, promise: run() };
    this.inFlight.set(entry, flight);
    void flight.promise
      .then(
        (value) => writeBack?.(value as T), // never rejects
        () => undefined, // the caller gets the loader's error; nothing to write
      )
      .finally(() => {
        if (this.inFlight.get(entry) === flight) this.inFlight.delete(entry);
      });
    return flight.promise as Promise<T>;
  }

  private async load<T>(tier: CacheTier, loader: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await loader();
    } finally {
      const elapsed = performance.now() - started;
      this.counters[tier].loads++;
      this.counters[tier].loadMs += elapsed;
      this.metrics.cacheLoaded(tier, elapsed / 1000);
    }
  }

  /** Best effort, within the budget; never rejects. A failure only costs a later miss. */
  private async writeBack(tier: CacheTier, entryKey: string, value: unknown): Promise<void> {
    const json = JSON.stringify(value) as string | undefined;
    if (json === undefined) return;
    try {
      await this.withinBudget(this.redis.set(entryKey, json, 'EX', this.settings.ttlSeconds[tier]));
    } catch {
      this.counters[tier].writeFailures++;
      this.metrics.cacheWriteFailed(tier);
    }
  }

  private count(tier: CacheTier, result: 'hit' | 'miss' | 'bypass'): void {
    const counters = this.counters[tier];
    if (result === 'hit') counters.hits++;
    else if (result === 'miss') counters.misses++;
    else counters.bypasses++;
    this.metrics.cacheRead(tier, result);
  }

  /** Races a Redis call against the read budget; a late reply (or late rejection) is ignored. */
  private withinBudget<T>(operation: Promise<T>): Promise<T> {
    return this.within(this.settings.budgetMs, operation);
  }

  private within<T>(ms: number, operation: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const budget = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new BudgetExceeded(`no reply from Redis within ${ms} ms`)), ms);
    });
    operation.catch(() => undefined); // a rejection after the budget has nobody left to handle it
    return Promise.race([operation, budget]).finally(() => clearTimeout(timer));
  }
}

function parse<T>(json: string): { ok: true; value: T } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(json) as T };
  } catch {
    return { ok: false }; // a corrupt entry is a miss; the write-back replaces it
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
