import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ApiException } from '../common/errors/api-exception.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { AppConfig } from '../config/app-config.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { type ExamEnding, ExamSessionRepository, type StoredExamState } from './exam-session.repository.js';
import { HotStateStore } from './hot-state.store.js';

/** Fleet-wide key of the sweep's advisory lock ('CATX' in ASCII). */
const SWEEP_LOCK_KEY = 0x43415458;
const BATCH_SIZE = 1_000;

export const examNotFound = () => new ApiException(ErrorCode.NOT_FOUND, 'Exam not found');
const examExpired = () => new ApiException(ErrorCode.EXAM_EXPIRED, 'The exam expired after being idle too long');
/** The one refusal of an exam token, whether the exam exists or not (no oracle), is over, or was revoked. */
export const tokenRefused = () => new ApiException(ErrorCode.UNAUTHORIZED, 'The token does not open this exam');

/**
 * Expires exams idle longer than SESSION_TTL_SECONDS: marks them EXPIRED in Postgres and drops their hot state.
 * The sweep runs on a timer in every instance, and a Postgres advisory lock lets only one of them work at a time
 * (it needs no Redis, so expiry keeps working through a Redis outage). An exam a request finds idle before the
 * sweep got to it is expired on the spot (`loadForCandidate`).
 */
@Injectable()
export class SessionExpiryService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SessionExpiryService.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  private readonly ttlMs: number;
  private readonly tokenGraceMs: number;

  constructor(
    private readonly sessions: ExamSessionRepository,
    private readonly hotState: HotStateStore,
    private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {
    this.ttlMs = config.get('SESSION_TTL_SECONDS') * 1000;
    this.tokenGraceMs = config.get('EXAM_TOKEN_GRACE_SECONDS') * 1000;
  }

  onApplicationBootstrap(): void {
    // SESSION_SWEEP_INTERVAL_MS: one minute by default, 0 turns the scheduled sweep off.
    const interval = this.config.get('SESSION_SWEEP_INTERVAL_MS');
    if (interval === 0) return;
    this.timer = setInterval(() => {
      this.sweep().catch((error: unknown) => {
        this.logger.warn(`Expiry sweep failed, retrying next period: ${error instanceof Error ? error.message : String(error)}`);
      });
    }, interval);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /**
   * The session as the candidate's exam token may see it: 401 when the token no longer opens it (revoked, or ended
   * more than EXAM_TOKEN_GRACE_SECONDS ago), 410 when it expired. One found idle past the TTL is marked EXPIRED here
   * and now (lazy expiry), and its hot state dropped.
   */
  async loadForCandidate(examId: string): Promise<StoredExamState> {
    const stored = await this.sessions.load(examId);
    if (!stored) throw tokenRefused();
    this.assertTokenLive(stored);
    if (stored.idle) await this.expireNow(examId);
    if (stored.idle || stored.status === 'EXPIRED') throw examExpired();
    return stored;
  }

  /** 401 unless an exam token still opens this exam: not revoked, and not ended more than the grace period ago. */
  assertTokenLive(ending: ExamEnding): void {
    if (ending.revokedAt || ending.status === 'REVOKED') throw tokenRefused();
    const endedAt =
      ending.status === 'COMPLETED' ? ending.completedAt!.getTime()
      : ending.status === 'EXPIRED' || ending.idle ? ending.lastActivityAt.getTime() + this.ttlMs
      : null;
    if (endedAt !== null && Date.now() > endedAt + this.tokenGraceMs) throw tokenRefused();
  }

  /** Expires one idle exam now (an exam replayed or read after its TTL, before the sweep). */
  private async expireNow(examId: string): Promise<void> {
    await this.sessions.expireIfIdle(examId);
    await this.hotState.drop([examId]);
  }

  /** Expires every idle exam now; returns how many this call expired (0 if another instance is sweeping). */
  sweep(): Promise<number> {
    // Overlapping calls in one process share the run in progress.
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async run(): Promise<number> {
    let expired = 0;
    let swept = false;
    for (;;) {
      const ids = await this.sessions.expireIdleBatch(BATCH_SIZE, SWEEP_LOCK_KEY);
      if (ids === null) break; // another instance holds the sweep lock
      swept = true;
      if (ids.length > 0) await this.hotState.drop(ids);
      expired += ids.length;
      if (ids.length < BATCH_SIZE) break;
    }
    if (expired > 0) this.logger.log(`Expired ${expired} idle exam session(s)`);
    this.metrics.examsExpiredBy(expired);
    // Only when this instance swept: the alert reads the fleet's latest success (max), so the lock holder reports it.
    if (swept) this.metrics.sweepSucceeded();
    return expired;
  }
}
