import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config.service.js';
import { CacheService } from './cache.service.js';
import { CACHE_SETTINGS, CacheTier, type CacheSettings } from './cache-tiers.js';

/** The settings from the validated environment. */
export function cacheSettingsFrom(config: AppConfig): CacheSettings {
  return {
    budgetMs: config.get('CACHE_BUDGET_MS'),
    ttlSeconds: {
      [CacheTier.ITEM_CONTENT]: config.get('CACHE_ITEM_CONTENT_TTL_SECONDS'),
    },
  };
}

/** Read-through cache on the shared Redis (needs RedisModule, MetricsModule and AppConfigModule, all global). */
@Global()
@Module({
  providers: [CacheService, { provide: CACHE_SETTINGS, inject: [AppConfig], useFactory: cacheSettingsFrom }],
  exports: [CacheService],
})
export class CacheModule {}
