/**
 * Cache tiers, named by purpose. TTLs come from here (defaults) and from config, never from call sites.
 *
 * The cache holds what a candidate may see: item stems and options, bank snapshots without keys. It never
 * holds correct keys (or anything derived from them): a Redis dump or a shared instance must not leak them.
 */
export const CacheTier = {
  /** An item as a candidate sees it (stem and options), keyed by bank, bank version and ordinal. */
  ITEM_CONTENT: 'item-content',
} as const;

export type CacheTier = (typeof CacheTier)[keyof typeof CacheTier];

export const CACHE_TIERS: readonly CacheTier[] = Object.values(CacheTier);

/** Defaults in seconds; `CACHE_<TIER>_TTL_SECONDS` overrides each. */
export const DEFAULT_TTL_SECONDS: Readonly<Record<CacheTier, number>> = {
  [CacheTier.ITEM_CONTENT]: 60 * 60,
};

export interface CacheSettings {
  /** Longest a cache read waits on Redis before reading through to the source (CACHE_BUDGET_MS). */
  budgetMs: number;
  ttlSeconds: Readonly<Record<CacheTier, number>>;
}

/** Injection token of the cache's settings (built from AppConfig by CacheModule; tests may override it). */
export const CACHE_SETTINGS = Symbol('CACHE_SETTINGS');
