import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.service.js';
import { isUniqueViolation } from '../prisma/database-errors.js';
import { PrismaService } from '../prisma/prisma.service.js';
import type { AnswerWrite, ExamMeta, NewSession, ReplaySource, StoredExamState, StoredResponse, TouchedExam } from './exam-session.types.js';
import { sessionStatements } from './session-statements.js';

export type * from './exam-session.types.js';

type Statements = ReturnType<typeof sessionStatements>;
type NamedStatement = readonly [name: string, text: string];

/**
 * Postgres side of the exam sessions: the system of record. Every write is a single statement; the frequent ones
 * are named prepared statements on the pool (parsed once per connection, no ORM pipeline).
 */
@Injectable()
export class ExamSessionRepository {
  private readonly sql: Statements;
  /** The answer write's variants: the exam's last answer or not, with the advisory lock (Redis down) or not. */
  private readonly answerWrites: Record<'next' | 'final', Record<'locked' | 'unlocked', NamedStatement>>;

  constructor(
    private readonly prisma: PrismaService,
    config: AppConfig,
  ) {
    const sql = (this.sql = sessionStatements(config.get('SESSION_TTL_SECONDS')));
    this.answerWrites = {
      next: { unlocked: ['session-record-answer', sql.recordAnswer], locked: ['session-record-answer-locked', sql.recordAnswerLocked] },
      final: { unlocked: ['session-record-final-answer', sql.recordFinalAnswer], locked: ['session-record-final-answer-locked', sql.recordFinalAnswerLocked] },
    };
  }

  async findMeta(examId: string): Promise<ExamMeta | null> {
    const row = (await this.query<ExamMeta>('session-meta', this.sql.meta, [examId]))[0];
    return row ? { ...row, seed: row.seed >>> 0 } : null;
  }

  /**
   * Inserts a new session; with `launchId`, only if that launch is still unused and unexpired (and marks it used in
   * the same statement). The session's last activity, or null when the launch was taken or expired meanwhile.
   */
  async create(session: NewSession, launchId?: string): Promise<{ lastActivityAt: Date } | null> {
    const { id, bankId, clientId, candidateId, tokenHash, config, theta, se, currentItem, seed, testDefinitionId, testDefinitionRevision, bankVersion, excludedItems } = session;
    // The uint32 seed is stored as a signed int4.
    const values = [id, bankId, clientId, candidateId, tokenHash, JSON.stringify(config), theta, se, currentItem, seed | 0, testDefinitionId, testDefinitionRevision, bankVersion, excludedItems];
    const [name, text] = launchId ? ['session-create-from-launch', this.sql.createFromLaunch] : ['session-create', this.sql.create];
    const rows = await this.query<{ lastActivityAt: Date }>(name, text, launchId ? [...values, launchId] : values);
    return rows[0] ?? null;
  }

  async load(examId: string): Promise<StoredExamState | null> {
    const rows = await this.query<Omit<StoredExamState, 'history'> & { history: [number, number][] }>('session-load', this.sql.load, [examId]);
    const row = rows[0];
    if (!row) return null;
    return { ...row, history: row.history.map(([itemIndex, score]) => ({ itemIndex, score })) };
  }

  /**
   * True when committed. False when Postgres refused it: the version moved, the exam is no longer live, the
   * advisory lock is held by another submission, or a unique constraint fired.
   */
  async recordAnswer(write: AnswerWrite): Promise<boolean> {
    const { examId, theta, se, nextItem, stopReason, expectedVersion, itemId, answer, correct, itemVersion, score, pretest } = write;
    const values = [examId, theta, se, nextItem, stopReason, expectedVersion, itemId, answer, correct, itemVersion, score, pretest];
    const [name, text] = this.answerWrites[stopReason === null ? 'next' : 'final'][write.advisoryLock ? 'locked' : 'unlocked'];
    try {
      return (await this.prisma.preparedStatement(name, text, values)).rowCount === 1;
    } catch (error) {
      // The unique constraints are the last guard: a double that got this far is a rejection, not a 500.
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  /** Ends a live exam now; false when it was not live (or, Redis-less, another submission holds its lock). */
  async finish(examId: string, advisoryLock: boolean): Promise<boolean> {
    const [name, text] = advisoryLock ? ['session-finish-locked', this.sql.finishLocked] : ['session-finish', this.sql.finish];
    return (await this.query(name, text, [examId])).length === 1;
  }

  /** GET: slides the expiry of a live exam. Null when it is not live (the caller diagnoses). */
  async touch(examId: string): Promise<TouchedExam | null> {
    return (await this.query<TouchedExam>('session-touch', this.sql.touch, [examId]))[0] ?? null;
  }

  async findReplaySource(examId: string, itemId: string): Promise<ReplaySource | null> {
    return (await this.query<ReplaySource>('session-replay-source', this.sql.replaySource, [examId, itemId]))[0] ?? null;
  }

  /** Marks one idle exam EXPIRED now (found idle on a request, before the sweep got to it). */
  async expireIfIdle(examId: string): Promise<void> {
    await this.query('session-expire-if-idle', this.sql.expireIfIdle, [examId]);
  }

  /** Expires up to `batchSize` idle exams; their ids, or null when another instance holds the sweep lock. */
  async expireIdleBatch(batchSize: number, lockKey: number): Promise<string[] | null> {
    const rows = await this.query<{ locked: boolean; id: string | null }>('session-expire-batch', this.sql.expireIdleBatch, [lockKey, batchSize]);
    if (!rows[0]?.locked) return null;
    return rows.flatMap((row) => (row.id ? [row.id] : []));
  }

  /**
   * Deletes one batch of what retention lets go (`exams`: ended exams with their responses; `launches`: expired launch
   * tokens) older than `days`; null when another instance holds the purge lock.
   */
  async purgeBatch(what: 'exams' | 'launches', days: number, batchSize: number, lockKey: number): Promise<number | null> {
    const [name, text] = what === 'exams' ? ['session-purge-exams', this.sql.purgeEndedBatch] : ['session-purge-launches', this.sql.purgeLaunchesBatch];
    const [row] = await this.query<{ locked: boolean; deleted: number }>(name, text, [lockKey, days, batchSize]);
    return row.locked ? row.deleted : null;
  }

  listResponses(examId: string): Promise<StoredResponse[]> {
    return this.prisma.response.findMany({
      where: { sessionId: examId },
      orderBy: { seq: 'asc' },
      select: { seq: true, itemId: true, itemVersion: true, answer: true, correct: true, score: true, pretest: true, thetaAfter: true, seAfter: true, createdAt: true },
    });
  }

  /** Ordinals of the items a client's candidate answered in earlier exams on a bank. */
  async seenItems(clientId: string, candidateId: string, bankId: string): Promise<number[]> {
    return (await this.query<{ ordinals: number[] }>('session-seen-items', this.sql.seenItems, [clientId, candidateId, bankId]))[0].ordinals;
  }

  countActive(): Promise<number> {
    return this.prisma.examSession.count({ where: { status: 'ACTIVE' } });
  }

  /** A client's candidate's proficiency on a bank (candidates are namespaced by client). */
  findProficiency(clientId: string, candidateId: string, bankId: string): Promise<{ theta: number; se: number } | null> {
    return this.prisma.proficiency.findUnique({
      where: { clientId_candidateId_bankId: { clientId, candidateId, bankId } },
      select: { theta: true, se: true },
    });
  }

  /** Revokes one exam (of `clientId`, or any with null) or every active exam of a client's candidate; the ids revoked. */
  async revoke(clientId: string | null, target: { examId: string } | { candidateId: string }): Promise<string[]> {
    const values = [clientId, 'examId' in target ? target.examId : null, 'candidateId' in target ? target.candidateId : null];
    return (await this.query<{ id: string }>('session-revoke', this.sql.revoke, values)).map((row) => row.id);
  }

  private async query<Row>(name: string, text: string, values: unknown[]): Promise<Row[]> {
    return (await this.prisma.preparedStatement<Row>(name, text, values)).rows;
  }
}
