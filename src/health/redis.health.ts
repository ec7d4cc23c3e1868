import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { REDIS_CLIENT, type RedisClient } from '../redis/redis.constants.js';

/**
 * Redis is reported, never fatal: exams continue on Postgres alone, so a Redis outage makes the service
 * `degraded`, not unready.
 */
@Injectable()
export class RedisHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
  ) {}

  async check(key: 'redis') {
    const session = this.indicators.check(key);
    const started = performance.now();
    try {
      // The client's commandTimeout bounds this; with no connection it rejects at once.
      await this.redis.ping();
      return session.up({ responseTime: Math.round(performance.now() - started) });
    } catch (error) {
      return session.degraded({
        connected: this.redis.status === 'ready',
        message: `Redis unavailable: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  }
}
