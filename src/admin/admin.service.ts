import { Injectable } from '@nestjs/common';
import { ExamAccess } from '../adaptive-exam/exam-access.service.js';
import { ApiException } from '../common/errors/api-exception.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { BankSnapshots } from '../item-banks/bank-snapshots.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { ExamSessionRepository } from '../sessions/exam-session.repository.js';
import { HotStateStore } from '../sessions/hot-state.store.js';
import { RetentionService } from '../sessions/retention.service.js';
import { SessionExpiryService } from '../sessions/session-expiry.service.js';
import type { PurgeView, StatsView } from './dto/stats.views.js';

@Injectable()
export class AdminService {
  constructor(
    private readonly sessions: ExamSessionRepository,
    private readonly hotState: HotStateStore,
    private readonly banks: BankSnapshots,
    private readonly exams: ExamAccess,
    private readonly expiry: SessionExpiryService,
    private readonly retention: RetentionService,
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
      examCache: this.exams.cacheStats(),
    };
  }

  cleanup(): Promise<number> {
    return this.expiry.sweep();
  }

  async purge(): Promise<PurgeView> {
    const retentionDays = this.retention.days;
    if (retentionDays === 0) return { retentionDays, exams: 0, launches: 0 };
    const purged = await this.retention.purge();
    if (!purged) throw new ApiException(ErrorCode.CONFLICT, 'Another instance is running the retention purge');
    return { retentionDays, ...purged };
  }
}
