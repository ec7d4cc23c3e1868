import { Injectable } from '@nestjs/common';
import { CacheService } from '../cache/cache.service.js';
import { ExamSessionRepository } from '../sessions/exam-session.repository.js';
import { HotStateStore } from '../sessions/hot-state.store.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { SessionExpiryService } from '../sessions/session-expiry.service.js';
import type { StatsView } from './dto/views.dto.js';

@Injectable()
export class AdminService {
  constructor(
    private readonly sessions: ExamSessionRepository,
    private readonly hotState: HotStateStore,
    private readonly cache: CacheService,
    private readonly expiry: SessionExpiryService,
    metrics: MetricsService,
  ) {
    metrics.setActiveExamsSource(() => this.sessions.countActive());
  }

  async stats(): Promise<StatsView> {
    const [activeSessions, redis] = await Promise.all([this.sessions.countActive(), this.hotState.info()]);
    return {
      activeSessions,
      locksHeld: this.hotState.locksHeld,
      redis: { ...redis, fallbacks: this.hotState.fallbacks },
      cache: this.cache.stats(),
    };
  }

  cleanup(): Promise<number> {
    return this.expiry.sweep();
  }
}
