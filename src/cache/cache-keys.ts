import type { CacheTier } from './cache-tiers.js';

const NAMESPACE = /^[A-Za-z0-9:_\-.]{1,200}$/;

function checked(namespace: string): string {
  // Braces would move the hash tag; anything else odd is a caller bug better caught at the first read.
  if (!NAMESPACE.test(namespace)) throw new Error(`Invalid cache namespace: ${JSON.stringify(namespace)}`);
  return namespace;
}

/**
 * The one place cache keys are built (REDIS_KEY_PREFIX is added by the ioredis client, not here):
 *
 *   cache:{<namespace>}:version                       the namespace version counter (INCR on invalidate)
 *   cache:{<namespace>}:<tier>:v<version>:<key>       an entry, written under the version it was read at
 *
 * A namespace's keys share a hash tag, so its counter and its entries sit in one Redis Cluster slot and one
 * script reads both. Invalidation bumps the counter; entries of older versions are never read again and age
 * out by their TTL (no KEYS, no SCAN). Counters carry no TTL on purpose: a counter that expired would restart
 * at 0 and could make old, still-living entries reachable again.
 */
export const CacheKeys = {
  namespaceVersion: (namespace: string) => `cache:{${checked(namespace)}}:version`,
  /** Entry key without its version: the read script appends `<version>:<key>`. */
  entryStem: (tier: CacheTier, namespace: string) => `cache:{${checked(namespace)}}:${tier}:v`,
  entry: (tier: CacheTier, namespace: string, version: string, key: string) =>
    `${CacheKeys.entryStem(tier, namespace)}${version}:${key}`,
};
