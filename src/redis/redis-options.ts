import type { ClusterOptions, RedisOptions } from 'ioredis';

export interface RedisSettings {
  url: string;
  keyPrefix: string;
  commandTimeoutMs: number;
  /** `host:port,host:port` of Sentinels; when set, `sentinelMaster` names the monitored master. */
  sentinels?: string;
  sentinelMaster?: string;
  /** `host:port,host:port` seed nodes of a Redis Cluster. */
  clusterNodes?: string;
}

/**
 * Fail-fast settings. With ioredis defaults a command to a dead Redis waits ~73 s and one to a stalled
 * Redis never settles; every caller here has a Postgres fallback, so a quick error is worth more than
 * a late answer.
 */
export function redisOptions(settings: RedisSettings): RedisOptions {
  const url = new URL(settings.url);
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : 6379,
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    db: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0,
    tls: url.protocol === 'rediss:' ? {} : undefined,
    keyPrefix: settings.keyPrefix,
    connectionName: 'adaptive-testing-backend',
    // Bounded waits: per command, per connection attempt.
    commandTimeout: settings.commandTimeoutMs,
    connectTimeout: 2_000,
    // While disconnected, reject at once instead of queueing without bound.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    // A timed-out command may already have run; re-sending it after a reconnect could apply it twice.
    autoResendUnfulfilledCommands: false,
    // Keep reconnecting in the background, backing off up to 2 s.
    retryStrategy: (attempt: number) => Math.min(50 * 2 ** Math.min(attempt, 6), 2_000),
    enableReadyCheck: true,
    lazyConnect: true,
    // Off on purpose (docs/benchmarks.md): no throughput gain measured, and ioredis sends one auto-pipeline at a
    // time, so against a stalled Redis every queued command waits out the previous pipeline's timeout first.
    enableAutoPipelining: false,
  };
}

export function parseHostList(list: string): { host: string; port: number }[] {
  return list
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const [host, port] = entry.split(':');
      return { host: host ?? 'localhost', port: port ? Number(port) : 6379 };
    });
}

export function clusterOptions(settings: RedisSettings): ClusterOptions {
  const { host: _host, port: _port, keyPrefix, ...nodeOptions } = redisOptions(settings);
  return {
    keyPrefix,
    enableOfflineQueue: false,
    lazyConnect: true,
    redisOptions: nodeOptions,
    clusterRetryStrategy: (attempt: number) => Math.min(50 * 2 ** Math.min(attempt, 6), 2_000),
  };
}
