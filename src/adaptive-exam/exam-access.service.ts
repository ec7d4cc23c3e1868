import { Injectable } from '@nestjs/common';
import { type Caller, clientOf } from '../common/auth/auth.types.js';
import { sameDigest } from '../common/auth/tokens.js';
import { type ExamMeta, ExamSessionRepository } from '../sessions/exam-session.repository.js';
import { examNotFound, tokenRefused } from '../sessions/session-expiry.service.js';
import { DEFAULT_FEEDBACK, type LaunchConfig } from './start-config.js';

/** An exam's fixed facts, as the exam routes use them. */
export interface OpenExam extends Omit<ExamMeta, 'config'> {
  config: LaunchConfig;
}

/** Facts of this many exams are kept per process; past it, the oldest are dropped (any instance can reload them). */
const KNOWN_EXAMS = 10_000;

/** Which exam a request names, and whether its caller may open it. */
@Injectable()
export class ExamAccess {
  /** Insertion-ordered, so the first key is the oldest: a bounded FIFO is enough for data that never changes. */
  private readonly known = new Map<string, OpenExam>();

  constructor(private readonly sessions: ExamSessionRepository) {}

  /**
   * The exam's fixed facts, if the caller may open it. An exam token that does not open it gets 401 whether the exam
   * exists or not; a client sees only its own candidates' exams (admin: all), others are 404.
   */
  async open(examId: string, caller: Caller): Promise<OpenExam> {
    const exam = await this.find(examId);
    if (caller.kind === 'exam') {
      if (!exam || !sameDigest(caller.tokenHash, exam.tokenHash)) throw tokenRefused();
      return exam;
    }
    const client = clientOf(caller);
    if (!exam || !client || (!client.scopes.includes('admin') && client.id !== exam.clientId)) throw examNotFound();
    return exam;
  }

  /** A new exam is known at once (its first answer needs no lookup). */
  remember(exam: OpenExam): void {
    if (this.known.size >= KNOWN_EXAMS) this.known.delete(this.known.keys().next().value!);
    this.known.set(exam.id, exam);
  }

  private async find(examId: string): Promise<OpenExam | null> {
    const known = this.known.get(examId);
    if (known) return known;
    const meta = await this.sessions.findMeta(examId);
    if (!meta) return null;
    // Exams started before feedback modes existed show what the default shows.
    const exam = { ...meta, config: { feedback: DEFAULT_FEEDBACK, ...(meta.config as Partial<LaunchConfig>) } as LaunchConfig };
    this.remember(exam);
    return exam;
  }
}
