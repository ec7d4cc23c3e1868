import { Global, Inject, Injectable, Logger, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Cluster, Redis } from 'ioredis';
import { outsideRequest } from '../common/logging/pino-logger.js';
import { AppConfig } from '../config/app-config.service.js';
import { REDIS_CLIENT, type RedisClient } from './redis.constants.js';
import { clusterOptions, parseHostList, redisOptions, sentinelOptions, type RedisSettings } from './redis-options.js';

function createRedisClient(config: AppConfig): RedisClient {
  const settings: RedisSettings = {
    url: config.get('REDIS_URL'),
    keyPrefix: config.get('REDIS_KEY_PREFIX'),
    commandTimeoutMs: config.get('REDIS_COMMAND_TIMEOUT_MS'),
    sentinels: config.get('REDIS_SENTINELS'),
    sentinelMaster: config.get('REDIS_SENTINEL_MASTER'),
    clusterNodes: config.get('REDIS_CLUSTER_NODES'),
  };
  if (settings.clusterNodes) {
    return new Cluster(parseHostList(settings.clusterNodes), clusterOptions(settings));
  }
  if (settings.sentinels) return new Redis(sentinelOptions({ ...settings, sentinels: settings.sentinels }));
  return new Redis(redisOptions(settings));
}

/** Longest start-up waits for Redis before serving without it (the connection then completes in the background). */
const START_UP_WAIT_MS = 2_000;
/** Pause before starting over after ioredis gave up on the connection. */
const RESTART_AFTER_END_MS = 1_000;

/** Owns the client's lifetime: connects without blocking start-up, quits after the HTTP server drained. */
@Injectable()
class RedisLifecycle implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Redis');
  private shuttingDown = false;
  private restart?: NodeJS.Timeout;

  constructor(@Inject(REDIS_CLIENT) private readonly redis: RedisClient) {}

  async onModuleInit(): Promise<void> {
    let lastError = '';
    this.redis.on('error', (error: Error) => {
      // ioredis emits the same error on every reconnect attempt: log changes, not repeats.
      if (error.message !== lastError) outsideRequest(() => this.logger.warn(`Redis error: ${error.message}`));
      lastError = error.message;
    });
    this.redis.on('ready', () => {
      lastError = '';
      outsideRequest(() => this.logger.log('Redis ready'));
    });
    // ioredis stops for good when a Sentinel announces a failover while it is asking for the master (its failover
    // detector closes the lookup under it). Nothing else ends the client before shutdown: start over.
    this.redis.on('end', () => {
      if (this.shuttingDown || this.restart) return;
      outsideRequest(() => this.logger.warn('Redis client gave up, connecting again'));
      this.restart = setTimeout(() => {
        this.restart = undefined;
        if (!this.shuttingDown) void this.redis.connect().catch(() => undefined);
      }, RESTART_AFTER_END_MS).unref();
    });
    // The service runs without Redis (Postgres fallback), so a dead Redis must not stop start-up. Through Sentinels
    // connect() settles only once one of them answers, hence the bounded wait rather than awaiting it.
    const settled = this.redis.connect().then(
      () => true,
      (error: Error) => {
        this.logger.warn(`Redis unavailable at start-up, continuing without it: ${error.message}`);
        return true;
      },
    );
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), START_UP_WAIT_MS)));
    if (!(await Promise.race([settled, timedOut]))) {
      this.logger.warn(`Redis not connected ${START_UP_WAIT_MS} ms into start-up, continuing without it meanwhile`);
    }
    clearTimeout(timer);
  }

  async onApplicationShutdown(): Promise<void> {
    this.shuttingDown = true;
    clearTimeout(this.restart);
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect(); // not connected: nothing to flush, just stop reconnecting
    }
  }
}

@Global()
@Module({
  providers: [{ provide: REDIS_CLIENT, inject: [AppConfig], useFactory: createRedisClient }, RedisLifecycle],
  exports: [REDIS_CLIENT],
})
export class RedisModule {}
