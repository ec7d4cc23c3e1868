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

/** Backoff between reconnection attempts (and rounds over the Sentinels): up to 2 s. */
const reconnectDelay = (attempt: number) => Math.min(50 * 2 ** Math.min(attempt, 6), 2_000);

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
    retryStrategy: reconnectDelay,
    enableReadyCheck: true,
    lazyConnect: true,
    // Off on purpose (docs/benchmarks.md): no throughput gain measured, and ioredis sends one auto-pipeline at a
    // time, so against a stalled Redis every queued command waits out the previous pipeline's timeout first.
    enableAutoPipelining: false,
  };
}

/**
 * Through Sentinels: the master's address is asked of them on every (re)connection, and the node found is checked to
 * be the master (ioredis' ready check) before use. Same fail-fast settings as a direct connection, and Sentinel waits
 * bounded too.
 */
export function sentinelOptions(settings: RedisSettings & { sentinels: string }): RedisOptions {
  const { host: _host, port: _port, ...nodeOptions } = redisOptions(settings);
  return {
    ...nodeOptions,
    sentinels: parseHostList(settings.sentinels),
    name: settings.sentinelMaster,
    // ioredis applies `tls` to the master only with this set; without it a rediss:// URL would silently go plaintext.
    enableTLSForSentinelMode: nodeOptions.tls !== undefined,
    // A Sentinel that accepts the connection but never answers must not hold up the reconnection (default: no limit).
    sentinelCommandTimeout: 1_000,
    // Every Sentinel unreachable: keep asking in the background. Capped like the reconnections, so the error logged
    // each round settles on one message (RedisLifecycle logs changes only).
    sentinelRetryStrategy: reconnectDelay,
    // Follow a failover as soon as a Sentinel announces it (+switch-master). Without it the client notices only when
    // its connection closes: after a partition or with a paused old master, commands would just time out (and be
    // served from Postgres) for as long as the silent connection stays open.
    failoverDetector: true,
    // Connected to a node demoted behind the client's back: drop the connection so the Sentinels are asked again.
    // The command that met READONLY still fails; its caller falls back to Postgres.
    reconnectOnError: (error: Error) => (error.message.startsWith('READONLY') ? 1 : false),
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
    clusterRetryStrategy: reconnectDelay,
  };
}
