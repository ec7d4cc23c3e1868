import { Global, Inject, Injectable, Logger, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Cluster, Redis } from 'ioredis';
import { AppConfig } from '../config/app-config.service.js';
import { REDIS_CLIENT, type RedisClient } from './redis.constants.js';
import { clusterOptions, parseHostList, redisOptions, type RedisSettings } from './redis-options.js';

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
  const options = redisOptions(settings);
  if (settings.sentinels) {
    const { host: _host, port: _port, ...rest } = options;
    return new Redis({ ...rest, sentinels: parseHostList(settings.sentinels), name: settings.sentinelMaster });
  }
  return new Redis(options);
}

/** Owns the client's lifetime: connects without blocking start-up, quits after the HTTP server drained. */
@Injectable()
class RedisLifecycle implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Redis');

  constructor(@Inject(REDIS_CLIENT) private readonly redis: RedisClient) {}

  async onModuleInit(): Promise<void> {
    let lastError = '';
    this.redis.on('error', (error: Error) => {
      // ioredis emits the same error on every reconnect attempt: log changes, not repeats.
      if (error.message !== lastError) this.logger.warn(`Redis error: ${error.message}`);
      lastError = error.message;
    });
    this.redis.on('ready', () => {
      lastError = '';
      this.logger.log('Redis ready');
    });
    // The service runs without Redis (Postgres fallback), so a dead Redis must not stop start-up.
    await this.redis.connect().catch((error: Error) => {
      this.logger.warn(`Redis unavailable at start-up, continuing without it: ${error.message}`);
    });
  }

  async onApplicationShutdown(): Promise<void> {
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
