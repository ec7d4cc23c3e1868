import { Injectable } from '@nestjs/common';
import { type Caller, clientOf } from '../common/auth/auth.types.js';
import { ApiException } from '../common/errors/api-exception.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { validationFailed } from '../common/http/validation.js';
import { AppConfig } from '../config/app-config.service.js';
import { nextStep } from '../irt/index.js';
import { ExposureCounts } from '../exposure/exposure-counts.service.js';
import { type BankSnapshot, BankSnapshots } from '../item-banks/bank-snapshots.js';
import type { CandidateItemView } from '../item-banks/dto/item-bank.views.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { ExamSessionRepository } from '../sessions/exam-session.repository.js';
import { HotStateStore } from '../sessions/hot-state.store.js';
import { SessionExpiryService } from '../sessions/session-expiry.service.js';
import { type ExamState, type Submission, SubmissionLocks } from '../sessions/submission-lock.js';
import { decideAnswer, type RejectionReason, type Submitted } from './answer-decision.js';
import { type AnswerView, type ExamView, type FinishView, type ResultView, STATUS_VIEW } from './dto/exam.views.js';
import { ExamAccess, type OpenExam } from './exam-access.service.js';
import { answerView, classified, itemAt, scaled } from './exam-replies.js';
import { feedbackFor } from './feedback.js';

/** A judgement that only a fresher state can settle: judge again from Postgres. */
const STALE = Symbol('stale');

const REJECTIONS: Record<RejectionReason, () => ApiException> = {
  EXAM_FINISHED: () => new ApiException(ErrorCode.EXAM_FINISHED, 'The exam is finished'),
  NOT_CURRENT_ITEM: () => new ApiException(ErrorCode.NOT_CURRENT_ITEM, 'itemId is not the item being shown'),
  NOT_AN_OPTION: () => validationFailed([{ field: 'answer', message: "must be one of the item's option keys" }]),
};

/** A running exam: what the candidate sees, their answers, the end, the result, and revocation. */
@Injectable()
export class ExamsService {
  private readonly ttlMs: number;

  constructor(
    private readonly access: ExamAccess,
    private readonly sessions: ExamSessionRepository,
    private readonly submissions: SubmissionLocks,
    private readonly expiry: SessionExpiryService,
    private readonly hotState: HotStateStore,
    private readonly banks: BankSnapshots,
    private readonly exposure: ExposureCounts,
    private readonly metrics: MetricsService,
    config: AppConfig,
  ) {
    this.ttlMs = config.get('SESSION_TTL_SECONDS') * 1000;
  }

  /** The exam as the candidate sees it; slides the idle expiry. */
  async get(examId: string, caller: Caller): Promise<ExamView> {
    const exam = await this.access.open(examId, caller);
    const live = await this.sessions.touch(examId);
    if (!live) {
      const stored = await this.expiry.loadForCandidate(examId); // 401 past its token's life, 410 when it expired
      return { examId, status: STATUS_VIEW[stored.status], answered: stored.answered, item: null, expiresAt: null, ...feedbackFor(exam.config, stored) };
    }
    const [bank] = await Promise.all([this.requireBank(exam), this.hotState.touch(examId)]);
    const item = live.currentItem === null ? null : itemAt(bank, live.currentItem);
    const expiresAt = new Date(live.lastActivityAt.getTime() + this.ttlMs);
    return { examId, status: 'active', answered: live.answered, item, expiresAt, ...feedbackFor(exam.config, live) };
  }

  /**
   * One answer, exactly once. The lock turns bursts of duplicates into quick 409s; correctness comes from the
   * single Postgres statement (optimistic version check + unique constraints). A judgement made on Redis' copy of
   * the state that does not end in a commit is made again from Postgres before it is returned.
   */
  async answer(examId: string, caller: Caller, submitted: Submitted): Promise<AnswerView> {
    const exam = await this.access.open(examId, caller);
    const bank = await this.requireBank(exam);
    return this.submissions.withSubmissionLock(examId, async (submission) => {
      const state = await submission.readState();
      let reply = await this.judge(exam, bank, state, submitted, submission);
      if (reply === STALE && state.source === 'redis') reply = await this.judge(exam, bank, await submission.readState(true), submitted, submission);
      // Still behind after reading Postgres: another writer got in while our lock had lapsed.
      if (reply === STALE) throw this.submissions.contended();
      return reply;
    });
  }

  async finish(examId: string, caller: Caller): Promise<FinishView> {
    const exam = await this.access.open(examId, caller);
    return this.submissions.withSubmissionLock(examId, async (submission) => {
      if (await submission.finish()) this.metrics.examCompleted();
      const stored = await this.expiry.loadForCandidate(examId); // 401 past its token's life, 410 when it expired
      if (stored.status !== 'COMPLETED') throw this.submissions.contended();
      const { theta, se } = feedbackFor(exam.config, stored);
      return { status: 'completed', answered: stored.answered, ...(theta === undefined ? {} : { theta, se }) };
    });
  }

  /** With the exam token, what its feedback mode shows; with a key (its own client's exam, or admin), everything. */
  async result(examId: string, caller: Caller): Promise<ResultView> {
    const exam = await this.access.open(examId, caller);
    const stored = await this.sessions.load(examId);
    if (!stored) throw new ApiException(ErrorCode.NOT_FOUND, 'Exam not found');
    const { answered, startedAt, completedAt, stopReason } = stored;
    const status = stored.idle ? 'expired' : STATUS_VIEW[stored.status];
    const scale = (await this.banks.get(exam.bankId))?.reportingScale ?? null;
    if (caller.kind === 'exam') {
      this.expiry.assertTokenLive(stored);
      const { theta, se } = feedbackFor(exam.config, stored);
      const shown = exam.config.feedback === 'none' ? {} : { stopReason, ...(theta === undefined ? {} : { theta, se, ...scaled(scale, theta), ...classified(exam.config, theta) }) };
      return { examId, status, answered, startedAt, completedAt, ...shown };
    }
    const { bankId, candidateId, testDefinitionId, testDefinitionRevision } = exam;
    const { theta, se, revokedAt } = stored;
    const responses = await this.sessions.listResponses(examId);
    return {
      examId, status, answered, startedAt, completedAt, stopReason, theta, se, ...scaled(scale, theta), ...classified(exam.config, theta),
      bankId, candidateId, testDefinitionId, testDefinitionRevision, revokedAt, responses,
    };
  }

  /** Stops one exam's token at once on every instance (its responses stay); the number revoked (0 or 1). */
  async revoke(examId: string, caller: Caller): Promise<number> {
    const exam = await this.access.open(examId, caller);
    const client = clientOf(caller)!;
    return this.dropHotStates(await this.sessions.revoke(client.scopes.includes('admin') ? null : exam.clientId, { examId }));
  }

  /** Stops the tokens of every active exam of the calling client's candidate; how many. */
  async revokeCandidate(candidateId: string, caller: Caller): Promise<number> {
    return this.dropHotStates(await this.sessions.revoke(clientOf(caller)!.id, { candidateId }));
  }

  /** Redis forgets revoked exams (best effort: Postgres refuses their answers anyway). */
  private async dropHotStates(examIds: string[]): Promise<number> {
    if (examIds.length > 0) await this.hotState.drop(examIds);
    return examIds.length;
  }

  /** The reply to `submitted` judged against `state`, or STALE when a fresher state is needed to be sure. */
  private async judge(exam: OpenExam, bank: BankSnapshot, state: ExamState, submitted: Submitted, submission: Submission): Promise<AnswerView | typeof STALE> {
    const decision = decideAnswer(state, bank, submitted);
    if (decision.kind === 'replay') return (await this.replay(exam, bank, submitted)) ?? STALE;
    if (decision.kind === 'reject') {
      if (state.source === 'redis') return STALE;
      throw REJECTIONS[decision.reason]();
    }
    const history = [...state.history, { itemIndex: decision.ordinal, score: decision.score }];
    const { maxExposure } = exam.config.selection;
    const size = bank.engine.size;
    const eligibility = maxExposure === undefined ? null : this.exposure.eligibility(exam.bankId, size, maxExposure);
    const step = nextStep(exam.config, bank.engine, history, exam.seed, { eligibility, excluded: exam.excludedItems });
    const { theta, se, done, stopReason } = step;
    const itemVersion = bank.itemVersions[decision.ordinal];
    const { correct, score } = decision;
    const pretest = bank.engine.pretest[decision.ordinal] === 1;
    const answer = { ...submitted, expectedVersion: state.version, correct, score, pretest, itemVersion, theta, se, nextItem: step.nextItemIndex, stopReason: stopReason ?? null };
    if (!(await submission.recordAnswer(answer, history))) return STALE;
    if (step.nextItemIndex !== null) this.exposure.administered(exam.bankId, size, step.nextItemIndex);
    this.metrics.answerAccepted(done);
    const item = step.nextItemIndex === null ? null : itemAt(bank, step.nextItemIndex);
    return answerView(exam, { answered: history.length, done, item, theta, se, stopReason: stopReason ?? null });
  }

  /** The original 200 body of an answer already recorded, rebuilt from its response row; null if there is none. */
  private async replay(exam: OpenExam, bank: BankSnapshot, submitted: Submitted): Promise<AnswerView | null> {
    const source = await this.sessions.findReplaySource(exam.id, submitted.itemId);
    if (!source) return null;
    this.expiry.assertTokenLive(source);
    if (source.idle || source.status === 'EXPIRED') await this.expiry.loadForCandidate(exam.id); // 410, expiring it now if idle
    if (source.answer !== submitted.answer) {
      throw new ApiException(ErrorCode.ALREADY_ANSWERED, 'This item was already answered with a different answer');
    }
    const done = source.nextItemId === null && source.status === 'COMPLETED';
    let item: CandidateItemView | null = null;
    if (source.nextItemId !== null) item = itemAt(bank, bank.ordinalOf.get(source.nextItemId)!);
    else if (source.currentItem !== null) item = itemAt(bank, source.currentItem);
    return answerView(exam, { answered: source.seq, done, item, theta: source.thetaAfter, se: source.seAfter, stopReason: done ? source.stopReason : null });
  }

  /** The bank as the exam started on it: the item versions current then. */
  private async requireBank(exam: OpenExam): Promise<BankSnapshot> {
    const bank = await this.banks.forExam(exam.bankId, exam.bankVersion);
    if (!bank) throw new Error(`Bank ${exam.bankId} of exam ${exam.id} is missing`);
    return bank;
  }
}
