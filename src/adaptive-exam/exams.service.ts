import { Injectable } from '@nestjs/common';
import type { Caller } from '../common/auth/auth.types.js';
import { generateExamToken, hashToken } from '../common/auth/tokens.js';
import { ApiException } from '../common/errors/api-exception.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { validationFailed } from '../common/http/validation.js';
import { AppConfig } from '../config/app-config.service.js';
import { nextStep, randomSeed } from '../irt/index.js';
import { type BankSnapshot, BankSnapshots } from '../item-banks/bank-snapshots.js';
import type { CandidateItemView } from '../item-banks/dto/item-bank.views.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { ExamSessionRepository } from '../sessions/exam-session.repository.js';
import { HotStateStore } from '../sessions/hot-state.store.js';
import { SessionExpiryService } from '../sessions/session-expiry.service.js';
import { type ExamState, type Submission, SubmissionLocks } from '../sessions/submission-lock.js';
import { decideAnswer, type RejectionReason, type Submitted } from './answer-decision.js';
import type { StartExamDto } from './dto/exam.dto.js';
import { type AnswerView, type ExamView, type FinishView, type ResultView, STATUS_VIEW, type StartedExamView } from './dto/exam.views.js';
import { ExamAccess, type OpenExam } from './exam-access.service.js';
import { resolveStartConfig } from './start-config.js';

/** A judgement that only a fresher state can settle: judge again from Postgres. */
const STALE = Symbol('stale');

const REJECTIONS: Record<RejectionReason, () => ApiException> = {
  EXAM_FINISHED: () => new ApiException(ErrorCode.EXAM_FINISHED, 'The exam is finished'),
  NOT_CURRENT_ITEM: () => new ApiException(ErrorCode.NOT_CURRENT_ITEM, 'itemId is not the item being shown'),
  NOT_AN_OPTION: () => validationFailed([{ field: 'answer', message: "must be one of the item's option keys" }]),
};

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
    private readonly metrics: MetricsService,
    config: AppConfig,
  ) {
    this.ttlMs = config.get('SESSION_TTL_SECONDS') * 1000;
  }

  async start(dto: StartExamDto): Promise<StartedExamView> {
    const config = await resolveStartConfig(dto.config, async () => (await this.sessions.findProficiency(dto.candidateId, dto.bankId))?.theta ?? null);
    const bank = await this.banks.get(dto.bankId);
    if (!bank) throw new ApiException(ErrorCode.NOT_FOUND, 'Item bank not found');
    const seed = randomSeed();
    const { theta, se, nextItemIndex: currentItem } = nextStep(config, bank.engine, [], seed);
    if (currentItem === null) throw new ApiException(ErrorCode.CONFLICT, 'The item bank has no enabled items to administer');

    const token = generateExamToken();
    const tokenHash = hashToken(token);
    const session = await this.sessions.create({ bankId: dto.bankId, candidateId: dto.candidateId, tokenHash, config, seed, theta, se, currentItem });
    this.access.remember({ id: session.id, bankId: dto.bankId, candidateId: dto.candidateId, tokenHash, config, seed });
    await this.hotState.put(session.id, { version: 0, theta, se, currentItem, history: [] });
    this.metrics.examStarted();
    const item = itemAt(bank, currentItem);
    return { examId: session.id, token, status: 'active', item, answered: 0, theta, se, expiresAt: this.expiresAt(session.lastActivityAt) };
  }

  /** The exam as the candidate sees it; slides the idle expiry. */
  async get(examId: string, caller: Caller): Promise<ExamView> {
    const exam = await this.access.open(examId, caller);
    const live = await this.sessions.touch(examId);
    if (!live) {
      const stored = await this.expiry.loadUnexpired(examId); // 410 when it expired
      return { examId, status: STATUS_VIEW[stored.status], answered: stored.answered, theta: stored.theta, se: stored.se, item: null, expiresAt: null };
    }
    const [bank] = await Promise.all([this.requireBank(exam), this.hotState.touch(examId)]);
    const item = live.currentItem === null ? null : itemAt(bank, live.currentItem);
    return { examId, status: 'active', answered: live.answered, theta: live.theta, se: live.se, item, expiresAt: this.expiresAt(live.lastActivityAt) };
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
    await this.access.open(examId, caller);
    return this.submissions.withSubmissionLock(examId, async (submission) => {
      if (await submission.finish()) this.metrics.examCompleted();
      const stored = await this.expiry.loadUnexpired(examId); // 410 when it expired
      if (stored.status !== 'COMPLETED') throw this.submissions.contended();
      return { status: 'completed', answered: stored.answered, theta: stored.theta, se: stored.se };
    });
  }

  async result(examId: string, caller: Caller): Promise<ResultView> {
    const exam = await this.access.open(examId, caller);
    const stored = await this.sessions.load(examId);
    if (!stored) throw new ApiException(ErrorCode.NOT_FOUND, 'Exam not found');
    const { answered, theta, se, stopReason, startedAt, completedAt } = stored;
    const status = stored.idle ? 'expired' : STATUS_VIEW[stored.status];
    const view: ResultView = { examId, bankId: exam.bankId, candidateId: exam.candidateId, status, answered, theta, se, stopReason, startedAt, completedAt };
    if (caller.kind === 'admin') view.responses = await this.sessions.listResponses(examId);
    return view;
  }

  /** The reply to `submitted` judged against `state`, or STALE when a fresher state is needed to be sure. */
  private async judge(exam: OpenExam, bank: BankSnapshot, state: ExamState, submitted: Submitted, submission: Submission): Promise<AnswerView | typeof STALE> {
    const decision = decideAnswer(state, bank, submitted);
    if (decision.kind === 'replay') return (await this.replay(exam, bank, submitted)) ?? STALE;
    if (decision.kind === 'reject') {
      if (state.source === 'redis') return STALE;
      throw REJECTIONS[decision.reason]();
    }
    const history = [...state.history, { itemIndex: decision.ordinal, correct: decision.correct }];
    const step = nextStep(exam.config, bank.engine, history, exam.seed);
    const { theta, se, done, stopReason } = step;
    const answer = { ...submitted, expectedVersion: state.version, correct: decision.correct, theta, se, nextItem: step.nextItemIndex, stopReason: stopReason ?? null };
    if (!(await submission.recordAnswer(answer, history))) return STALE;
    this.metrics.answerAccepted(done);
    const item = step.nextItemIndex === null ? null : itemAt(bank, step.nextItemIndex);
    return { answered: history.length, theta, se, done, item, ...(stopReason ? { stopReason } : {}) };
  }

  /** The original 200 body of an answer already recorded, rebuilt from its response row; null if there is none. */
  private async replay(exam: OpenExam, bank: BankSnapshot, submitted: Submitted): Promise<AnswerView | null> {
    const source = await this.sessions.findReplaySource(exam.id, submitted.itemId);
    if (!source) return null;
    if (source.idle || source.status === 'EXPIRED') await this.expiry.loadUnexpired(exam.id); // 410, expiring it now if idle
    if (source.answer !== submitted.answer) {
      throw new ApiException(ErrorCode.ALREADY_ANSWERED, 'This item was already answered with a different answer');
    }
    const isLast = source.nextItemId === null;
    const done = isLast && source.status === 'COMPLETED';
    let item: CandidateItemView | null = null;
    if (source.nextItemId !== null) item = itemAt(bank, bank.ordinalOf.get(source.nextItemId)!);
    else if (source.currentItem !== null) item = itemAt(bank, source.currentItem);
    const stopReason = done && source.stopReason ? { stopReason: source.stopReason } : {};
    return { answered: source.seq, theta: source.thetaAfter, se: source.seAfter, done, item, ...stopReason };
  }

  private async requireBank(exam: OpenExam): Promise<BankSnapshot> {
    const bank = await this.banks.get(exam.bankId);
    if (!bank) throw new Error(`Bank ${exam.bankId} of exam ${exam.id} is missing`);
    return bank;
  }

  private expiresAt(lastActivityAt: Date): Date {
    return new Date(lastActivityAt.getTime() + this.ttlMs);
  }
}

function itemAt(bank: BankSnapshot, ordinal: number): CandidateItemView {
  const item = bank.content[ordinal];
  if (!item) throw new Error(`Item ${ordinal} of bank ${bank.bankId} v${bank.version} is missing`);
  return item;
}
