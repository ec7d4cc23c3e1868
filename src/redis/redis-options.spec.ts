import { clusterOptions, parseHostList, redisOptions, sentinelOptions } from './redis-options.js';

const settings = { url: 'redis://user:p%40ss@cache.internal:6380/2', keyPrefix: 'cat:', commandTimeoutMs: 500 };

describe('Redis client options', () => {
  it('should fail fast on a direct connection: bounded commands, no offline queue, no re-sent commands', () => {
    expect(redisOptions(settings)).toMatchObject({
      host: 'cache.internal',
      port: 6380,
      username: 'user',
      password: 'p@ss',
      db: 2,
      keyPrefix: 'cat:',
      commandTimeout: 500,
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false,
      lazyConnect: true,
    });
    expect(redisOptions(settings).tls).toBeUndefined();
  });

  it('should back off reconnections up to 2 s, and never give up', () => {
    const { retryStrategy } = redisOptions(settings);
    const delays = [1, 2, 5, 10, 1_000].map((attempt) => retryStrategy!(attempt));
    expect(delays).toEqual([100, 200, 1_600, 2_000, 2_000]);
  });

  it('should ask the Sentinels for the master, with bounded Sentinel waits and failover detection', () => {
    const options = sentinelOptions({ ...settings, sentinels: 's1:26379, s2:26380,s3', sentinelMaster: 'exams' });
    expect(options).toMatchObject({
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26380 },
        { host: 's3', port: 6379 },
      ],
      name: 'exams',
      password: 'p@ss',
      db: 2,
      sentinelCommandTimeout: 1_000,
      failoverDetector: true,
      enableTLSForSentinelMode: false,
      commandTimeout: 500,
      enableOfflineQueue: false,
    });
    // The master's address comes from the Sentinels, never from REDIS_URL.
    expect(options.host).toBeUndefined();
    expect(options.port).toBeUndefined();
    expect(options.sentinelRetryStrategy!(50)).toBe(2_000);
    expect(options.reconnectOnError!(new Error("READONLY You can't write against a read only replica."))).toBe(1);
    expect(options.reconnectOnError!(new Error('ERR wrong number of arguments'))).toBe(false);
  });

  it('should keep TLS to the master through Sentinels for a rediss:// URL', () => {
    const options = sentinelOptions({ ...settings, url: 'rediss://cache.internal:6380', sentinels: 's1:26379' });
    expect(options.tls).toEqual({});
    expect(options.enableTLSForSentinelMode).toBe(true);
  });

  it('should give cluster nodes the same per-node settings, without a key prefix of their own', () => {
    const options = clusterOptions({ ...settings, clusterNodes: 'n1:7000' });
    expect(options).toMatchObject({ keyPrefix: 'cat:', enableOfflineQueue: false, lazyConnect: true });
    expect(options.redisOptions).toMatchObject({ commandTimeout: 500, password: 'p@ss' });
    expect(options.redisOptions).not.toHaveProperty('keyPrefix');
    expect(parseHostList(' n1:7000 ,, n2:7001 ')).toEqual([
      { host: 'n1', port: 7000 },
      { host: 'n2', port: 7001 },
    ]);
  });
});
