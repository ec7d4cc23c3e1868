import { Injectable } from '@nestjs/common';
import type { Caller } from '../common/auth/auth.types.js';
import { generateExamToken, hashToken, safeEqual } from '../common/auth/tokens.js';
import { ApiException } from '../common/errors/api-exception.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { validationFailed } from '../common/http/validation.js';
import { AppConfig } from '../config/app-config.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { ExamHotState } from '../sessions/exam-state.js';
import { type ExamMeta, ExamSessionRepository, type StoredExamState } from '../sessions/exam-session.repository.js';
import { HotStateStore } from '../sessions/hot-state.store.js';
import { BankSnapshotCache, type LoadedBank } from './bank-snapshot.cache.js';
import { LAST_PROFICIENCY, type StartExamDto, type SubmitAnswerDto } from './dto/exam.dto.js';
import { type ExamConfig, type ExamConfigInput, nextStep, randomSeed, resolveExamConfig, validateExamConfig } from '../irt/index.js';
import type { AnswerView, ExamView, FinishView, ResultView, StartedExamView } from './dto/views.dto.js';
import { STATUS_VIEW } from './dto/views.dto.js';
import { type CandidateItem, ItemContentService } from './item-content.service.js';

/** Session facts that never change, cached per process (any instance can rebuild them from Postgres). */
interface OpenExam extends ExamMeta {
  examConfig: ExamConfig;
}

/** The state a submission is judged against, from Redis or rebuilt from Postgres. */
interface WorkingState extends ExamHotState {
  /** The exam takes no more answers (completed, or no item left). */
  finished: boolean;
  source: 'redis' | 'postgres';
}

type Decision =
  | { kind: 'accept'; ordinal: number; correct: boolean }
  | { kind: 'replay' }
  | { kind: 'reject'; error: ApiException };

const META_CACHE_SIZE = 10_000;

const submissionInProgress = () =>
  new ApiException(ErrorCode.SUBMISSION_IN_PROGRESS, 'Another submission for this exam is being processed, retry shortly');
const examExpired = () => new ApiException(ErrorCode.EXAM_EXPIRED, 'The exam expired after being idle too long');
const examNotFound = () => new ApiException(ErrorCode.NOT_FOUND, 'Exam not found');

@Injectable()
export class ExamsService {
  private readonly metaCache = new Map<string, OpenExam>();

  constructor(
    private readonly sessions: ExamSessionRepository,
    private readonly hotState: HotStateStore,
    private readonly snapshots: BankSnapshotCache,
    private readonly content: ItemContentService,
    private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {}

  /** SUBMISSION_IN_PROGRESS, counted: lock contention is an operational signal. */
  private contended(): ApiException {
    this.metrics.submissionContended();
    return submissionInProgress();
  }

  private get ttlSeconds(): number {
    return this.config.get('SESSION_TTL_SECONDS');
  }

  private expiresAt(lastActivityAt: Date): Date {
    return new Date(lastActivityAt.getTime() + this.ttlSeconds * 1000);
  }

  async start(dto: StartExamDto): Promise<StartedExamView> {
    const { startTheta, ...rest } = dto.config ?? {};
    const input = rest as ExamConfigInput;
    let fromProficiency = false;
    if (typeof startTheta === 'number') input.startTheta = startTheta;
    else if (startTheta === LAST_PROFICIENCY) {
      // Resolved to a number here and stored with the session, so the exam replays identically.
      const proficiency = await this.sessions.findProficiency(dto.candidateId, dto.bankId);
      if (proficiency) {
        input.startTheta = proficiency.theta;
        fromProficiency = true;
      }
    }
    const examConfig = resolveExamConfig(input);
    if (fromProficiency) {
      // A stored θ from an earlier exam may lie outside this exam's range: start at the nearest bound.
      const [lo, hi] = examConfig.thetaRange;
      examConfig.startTheta = Math.min(hi, Math.max(lo, examConfig.startTheta));
    }
    const problems = validateExamConfig(examConfig);
    if (problems.length > 0) throw validationFailed(problems.map((p) => ({ field: `config.${p.field}`, message: p.message })));

    const bank = await this.snapshots.get(dto.bankId);
    if (!bank) throw new ApiException(ErrorCode.NOT_FOUND, 'Item bank not found');
    const seed = randomSeed();
    const step = nextStep(examConfig, bank.engine, [], seed);
    if (step.nextItemIndex === null) throw new ApiException(ErrorCode.CONFLICT, 'The item bank has no enabled items to administer');

    const token = generateExamToken();
    const tokenHash = hashToken(token);
    const created = await this.sessions.create({
      bankId: dto.bankId,
      candidateId: dto.candidateId,
      tokenHash,
      config: examConfig,
      seed,
      theta: step.theta,
      se: step.se,
      currentItem: step.nextItemIndex,
    });
    this.metrics.examStarted();
    this.remember({ id: created.id, bankId: dto.bankId, candidateId: dto.candidateId, tokenHash, config: examConfig, seed, examConfig });
    const [item] = await Promise.all([
      this.requireItem(bank.bankId, step.nextItemIndex),
      this.hotState.commit(created.id, { version: 0, theta: step.theta, se: step.se, currentItem: step.nextItemIndex, history: [] }, null),
    ]);
    return {
      examId: created.id,
      token,
      status: 'active',
      item,
      answered: 0,
      theta: step.theta,
      se: step.se,
      expiresAt: this.expiresAt(created.lastActivityAt),
    };
  }

  /** GET: the exam as the candidate sees it; slides the idle expiry. */
  async get(examId: string, caller: Caller): Promise<ExamView> {
    const exam = await this.open(examId, caller);
    const touched = await this.sessions.touch(examId, this.ttlSeconds);
    if (touched) {
      const [item] = await Promise.all([
        touched.currentItem === null ? null : this.requireItem(exam.bankId, touched.currentItem),
        this.hotState.touch(examId),
      ]);
      return {
        examId,
        status: 'active',
        answered: touched.answered,
        theta: touched.theta,
        se: touched.se,
        item,
        expiresAt: this.expiresAt(touched.lastActivityAt),
      };
    }
    const stored = await this.loadStored(examId);
    return { examId, status: STATUS_VIEW[stored.status], answered: stored.answered, theta: stored.theta, se: stored.se, item: null, expiresAt: null };
  }

  /**
   * One answer, exactly once. The Redis lock turns bursts of duplicates into quick 409s; correctness comes
   * from the single Postgres statement (optimistic version check + unique constraints). Any rejection
   * derived from the Redis state is confirmed against Postgres before it is returned.
   */
  async answer(examId: string, caller: Caller, dto: SubmitAnswerDto): Promise<AnswerView> {
    const exam = await this.open(examId, caller);
    const begin = await this.hotState.begin(examId);
    if (begin.mode === 'redis' && begin.lockToken === null) throw this.contended();
    let lockToken = begin.mode === 'redis' ? begin.lockToken : null;
    try {
      let bank = await this.requireBank(exam.bankId);
      let state: WorkingState =
        begin.mode === 'redis' && begin.state
          ? { ...begin.state, finished: begin.state.currentItem === null, source: 'redis' }
          : await this.stateFromPostgres(exam, bank);
      for (let attempt = 0; attempt < 3; attempt++) {
        const decision = this.decide(state, bank, dto);
        if (decision.kind === 'replay') {
          const body = await this.replay(exam, dto);
          if (body) return body;
        } else if (decision.kind === 'reject' && state.source === 'postgres') {
          throw decision.error;
        } else if (decision.kind === 'accept') {
          const history = [...state.history, { itemIndex: decision.ordinal, correct: decision.correct }];
          const step = nextStep(exam.examConfig, bank.engine, history, exam.seed);
          const result = await this.sessions.recordAnswer({
            examId,
            expectedVersion: state.version,
            itemId: dto.itemId,
            answer: dto.answer,
            correct: decision.correct,
            theta: step.theta,
            se: step.se,
            nextItem: step.nextItemIndex,
            done: step.done,
            stopReason: step.stopReason ?? null,
            advisoryLock: begin.mode === 'degraded',
            ttlSeconds: this.ttlSeconds,
          });
          if (result.outcome === 'locked') throw this.contended();
          if (result.outcome === 'committed') {
            this.metrics.answerAccepted(step.done);
            const next: ExamHotState = { version: result.version, theta: step.theta, se: step.se, currentItem: step.nextItemIndex, history };
            // Written only after the commit; a finished exam leaves Redis. The next item is read meanwhile.
            const committing = this.hotState.commit(examId, step.done ? null : next, lockToken);
            lockToken = null; // released by the commit
            const [item] = await Promise.all([
              step.nextItemIndex === null ? null : this.requireItem(exam.bankId, step.nextItemIndex),
              committing,
            ]);
            return {
              answered: history.length,
              theta: step.theta,
              se: step.se,
              done: step.done,
              item,
              ...(step.stopReason ? { stopReason: step.stopReason } : {}),
            };
          }
          // Rejected: the state we used is behind Postgres (or the exam ended); judge again from the truth.
        }
        bank = await this.requireBank(exam.bankId);
        state = await this.stateFromPostgres(exam, bank);
      }
      // Still losing the version race after re-reading: someone else is writing this exam right now.
      throw this.contended();
    } finally {
      if (lockToken) await this.hotState.release(examId, lockToken);
    }
  }

  async finish(examId: string, caller: Caller): Promise<FinishView> {
    await this.open(examId, caller);
    const lock = await this.hotState.lock(examId);
    if (lock === null) throw this.contended();
    let lockToken = lock === 'degraded' ? null : lock;
    try {
      const outcome = await this.sessions.finish(examId, this.ttlSeconds, lock === 'degraded');
      if (outcome === 'locked') throw this.contended();
      if (outcome === 'finished') this.metrics.examCompleted();
      const stored = await this.loadStored(examId); // throws 410 when it expired
      if (stored.status !== 'COMPLETED') throw this.contended();
      await this.hotState.commit(examId, null, lockToken);
      lockToken = null;
      return { status: 'completed', answered: stored.answered, theta: stored.theta, se: stored.se };
    } finally {
      if (lockToken) await this.hotState.release(examId, lockToken);
    }
  }

  async result(examId: string, caller: Caller): Promise<ResultView> {
    const exam = await this.open(examId, caller);
    const stored = await this.sessions.loadState(examId, this.ttlSeconds);
    if (!stored) throw examNotFound();
    const view: ResultView = {
      examId,
      bankId: exam.bankId,
      candidateId: exam.candidateId,
      status: stored.idle ? 'expired' : STATUS_VIEW[stored.status],
      answered: stored.answered,
      theta: stored.theta,
      se: stored.se,
      stopReason: stored.stopReason,
      startedAt: stored.startedAt,
      completedAt: stored.completedAt,
    };
    if (caller.kind === 'admin') view.responses = await this.sessions.listResponses(examId);
    return view;
  }

  /** Loads the exam's fixed facts and checks that the caller may open it. */
  private async open(examId: string, caller: Caller): Promise<OpenExam> {
    let exam = this.metaCache.get(examId);
    if (!exam) {
      const meta = await this.sessions.findMeta(examId);
      if (!meta) throw examNotFound();
      exam = { ...meta, examConfig: meta.config as ExamConfig };
      this.remember(exam);
    }
    if (caller.kind === 'exam' && !safeEqual(caller.tokenHash, exam.tokenHash)) {
      throw new ApiException(ErrorCode.UNAUTHORIZED, 'The token does not open this exam');
    }
    return exam;
  }

  private remember(exam: OpenExam): void {
    if (this.metaCache.size >= META_CACHE_SIZE) {
      // Drop the oldest entry (Map keeps insertion order): a plain bounded FIFO is enough for immutable data.
      const oldest = this.metaCache.keys().next().value;
      if (oldest !== undefined) this.metaCache.delete(oldest);
    }
    this.metaCache.set(exam.id, exam);
  }

  private decide(state: WorkingState, bank: LoadedBank, dto: SubmitAnswerDto): Decision {
    const ordinal = bank.ordinalOf.get(dto.itemId);
    if (ordinal !== undefined && state.history.some((entry) => entry.itemIndex === ordinal)) return { kind: 'replay' };
    if (state.finished) return { kind: 'reject', error: new ApiException(ErrorCode.EXAM_FINISHED, 'The exam is finished') };
    if (ordinal === undefined || ordinal !== state.currentItem) {
      return { kind: 'reject', error: new ApiException(ErrorCode.NOT_CURRENT_ITEM, 'itemId is not the item being shown') };
    }
    if (!bank.optionKeys[ordinal].includes(dto.answer)) {
      const error = validationFailed([{ field: 'answer', message: "must be one of the item's option keys" }]);
      return { kind: 'reject', error };
    }
    return { kind: 'accept', ordinal, correct: dto.answer === bank.correctKeys[ordinal] };
  }

  /** The original 200 body of an answer already recorded, rebuilt from its Response row; null if none. */
  private async replay(exam: OpenExam, dto: SubmitAnswerDto): Promise<AnswerView | null> {
    const [response, stored] = await Promise.all([this.sessions.findResponse(exam.id, dto.itemId), this.loadStored(exam.id)]);
    if (!response) return null;
    if (response.answer !== dto.answer) {
      throw new ApiException(ErrorCode.ALREADY_ANSWERED, 'This item was already answered with a different answer');
    }
    const isLast = response.nextItemId === null;
    const done = isLast && stored.status === 'COMPLETED';
    let item: CandidateItem | null = null;
    if (response.nextItemId) item = await this.content.byId(response.nextItemId);
    else if (isLast && stored.currentItem !== null) item = await this.content.byOrdinal(exam.bankId, stored.currentItem);
    return {
      answered: response.seq,
      theta: response.thetaAfter,
      se: response.seAfter,
      done,
      item,
      ...(done && stored.stopReason ? { stopReason: stored.stopReason } : {}),
    };
  }

  /** The session row; 410 for an expired exam (an idle one is marked EXPIRED on the spot). */
  private async loadStored(examId: string): Promise<StoredExamState> {
    const stored = await this.sessions.loadState(examId, this.ttlSeconds);
    if (!stored) throw examNotFound();
    if (stored.status === 'EXPIRED' || stored.idle) {
      if (stored.idle) {
        await this.sessions.expireIfIdle(examId, this.ttlSeconds);
        await this.hotState.drop([examId]);
      }
      throw examExpired();
    }
    return stored;
  }

  /** Recovery: the hot state rebuilt from the responses (θ and SE as stored after the last answer). */
  private async stateFromPostgres(exam: OpenExam, bank: LoadedBank): Promise<WorkingState> {
    const stored = await this.loadStored(exam.id);
    const history = stored.history.map(({ itemId, correct }) => {
      const itemIndex = bank.ordinalOf.get(itemId);
      if (itemIndex === undefined) throw new Error(`Response item ${itemId} is not in bank ${bank.bankId} v${bank.version}`);
      return { itemIndex, correct };
    });
    return {
      version: stored.version,
      theta: stored.theta,
      se: stored.se,
      currentItem: stored.currentItem,
      history,
      finished: stored.status === 'COMPLETED' || stored.currentItem === null,
      source: 'postgres',
    };
  }

  private async requireBank(bankId: string): Promise<LoadedBank> {
    const bank = await this.snapshots.get(bankId);
    if (!bank) throw new Error(`Bank ${bankId} of an existing exam is missing`);
    return bank;
  }

  private async requireItem(bankId: string, ordinal: number): Promise<CandidateItem> {
    const item = await this.content.byOrdinal(bankId, ordinal);
    if (!item) throw new Error(`Item ${ordinal} of bank ${bankId} is missing`);
    return item;
  }
}
