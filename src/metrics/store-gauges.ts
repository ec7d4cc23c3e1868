import { Inject, Injectable, type OnModuleInit, Optional } from '@nestjs/common';
import { PrismaService } from '../prisma/prisma.service.js';
import { REDIS_CLIENT, type RedisClient } from '../redis/redis.constants.js';
import { MetricsService } from './metrics.service.js';

/**
 * Points the store gauges (Postgres pool, Redis up) at the live clients, read at scrape time. Optional: the metrics
 * module also runs without the stores (its own tests), and its gauges then read 0.
 */
@Injectable()
export class StoreGauges implements OnModuleInit {
  constructor(
    private readonly metrics: MetricsService,
    @Optional() private readonly prisma?: PrismaService,
    @Optional() @Inject(REDIS_CLIENT) private readonly redis?: RedisClient,
  ) {}

  onModuleInit(): void {
    const { prisma, redis } = this;
    if (prisma) this.metrics.setPoolSource(() => prisma.poolStats());
    if (redis) this.metrics.setRedisUpSource(() => redis.status === 'ready');
  }
}
