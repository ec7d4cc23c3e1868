import { Injectable } from '@nestjs/common';
import { BankSnapshots } from '../item-banks/bank-snapshots.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { ExamSessionRepository } from '../sessions/exam-session.repository.js';
import { HotStateStore } from '../sessions/hot-state.store.js';
import { SessionExpiryService } from '../sessions/session-expiry.service.js';
import type { StatsView } from './dto/stats.views.js';

@Injectable()
export class AdminService {
  constructor(
    private readonly sessions: ExamSessionRepository,
    private readonly hotState: HotStateStore,
    private readonly banks: BankSnapshots,
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
      bankSnapshots: this.banks.stats(),
    };
  }

  cleanup(): Promise<number> {
    return this.expiry.sweep();
  }
}
