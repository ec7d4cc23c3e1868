import { Injectable } from '@nestjs/common';
import { ApiException } from '../common/errors/api-exception.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { type AnswerWrite, ExamSessionRepository } from './exam-session.repository.js';
import type { ExamHotState } from './exam-state.js';
import { HotStateStore, type LockResult } from './hot-state.store.js';
import { SessionExpiryService } from './session-expiry.service.js';

/** The state a submission is judged against. */
export interface ExamState extends ExamHotState {
  /** The exam takes no more answers (completed, or no item left). */
  finished: boolean;
  /** Redis' copy may lag behind Postgres: a rejection judged on it is confirmed against Postgres first. */
  source: 'redis' | 'postgres';
}

/** The answer as written: everything but the exam and the lock mode, which the scope knows. */
export type SubmittedAnswer = Omit<AnswerWrite, 'examId' | 'advisoryLock'>;

export const submissionInProgress = () =>
  new ApiException(ErrorCode.SUBMISSION_IN_PROGRESS, 'Another submission for this exam is being processed, retry shortly');

/**
 * One submission to one exam, inside its lock: reads the state, writes to Postgres, and remembers what Redis
 * must hold once the scope ends.
 */
export class Submission {
  /** For the end of the scope: the new hot state, null to drop it (the exam is over), undefined to leave it. */
  nextHotState: ExamHotState | null | undefined;

  constructor(
    readonly examId: string,
    private readonly lock: Exclude<LockResult, { kind: 'contended' }>,
    private readonly sessions: ExamSessionRepository,
    private readonly expiry: SessionExpiryService,
  ) {}

  /**
   * The hot state read with the lock or, when Redis had none (or `fromPostgres`), the state rebuilt from the
   * responses in Postgres, as the candidate's token may see it (see `loadForCandidate`: 401 or 410).
   */
  async readState(fromPostgres = false): Promise<ExamState> {
    const hot = this.lock.kind === 'locked' && !fromPostgres ? this.lock.state : null;
    if (hot) return { ...hot, finished: hot.currentItem === null, source: 'redis' };
    const stored = await this.expiry.loadForCandidate(this.examId);
    const { version, theta, se, currentItem, history } = stored;
    return { version, theta, se, currentItem, history, finished: stored.status !== 'ACTIVE' || currentItem === null, source: 'postgres' };
  }

  /**
   * The answer write (one Postgres statement). False when Postgres refused it: the state it was computed from is
   * behind, or (Redis-less) another submission holds the exam; the caller judges again from Postgres.
   */
  async recordAnswer(answer: SubmittedAnswer, history: ExamHotState['history']): Promise<boolean> {
    const committed = await this.sessions.recordAnswer({ ...answer, examId: this.examId, advisoryLock: this.lock.kind === 'unavailable' });
    // Written to Redis only after the commit; a finished exam leaves Redis.
    const { theta, se, nextItem, expectedVersion } = answer;
    if (committed) this.nextHotState = answer.stopReason ? null : { version: expectedVersion + 1, theta, se, currentItem: nextItem, history };
    return committed;
  }

  /** Ends the exam now (COMPLETED, proficiency stored); false when it was not live (or another submission holds it). */
  async finish(): Promise<boolean> {
    const finished = await this.sessions.finish(this.examId, this.lock.kind === 'unavailable');
    if (finished) this.nextHotState = null;
    return finished;
  }
}

/**
 * The per-exam submission lock: `SET NX PX` with a compare-and-delete release in Redis, or, when Redis is
 * unavailable, a Postgres advisory lock taken inside each write. The lock, the hot-state read and, at the end,
 * the hot-state write and the release cost one Redis round trip each.
 */
@Injectable()
export class SubmissionLocks {
  constructor(
    private readonly hotState: HotStateStore,
    private readonly sessions: ExamSessionRepository,
    private readonly expiry: SessionExpiryService,
    private readonly metrics: MetricsService,
  ) {}

  /** Runs `work` holding the exam's lock; commits the new hot state (or just releases) in one `finally`. */
  async withSubmissionLock<T>(examId: string, work: (submission: Submission) => Promise<T>): Promise<T> {
    const lock = await this.hotState.lock(examId);
    if (lock.kind === 'contended') throw this.contended();
    const submission = new Submission(examId, lock, this.sessions, this.expiry);
    try {
      return await work(submission);
    } finally {
      await this.hotState.unlock(examId, lock.kind === 'locked' ? lock.token : null, submission.nextHotState);
    }
  }

  /** SUBMISSION_IN_PROGRESS, counted: lock contention is an operational signal. */
  contended(): ApiException {
    this.metrics.submissionContended();
    return submissionInProgress();
  }
}
