import { Injectable } from '@nestjs/common';
import type { Caller } from '../common/auth/auth.types.js';
import { sameDigest } from '../common/auth/tokens.js';
import { ApiException } from '../common/errors/api-exception.js';
import { ErrorCode } from '../common/errors/error-code.js';
import type { ExamConfig } from '../irt/index.js';
import { type ExamMeta, ExamSessionRepository } from '../sessions/exam-session.repository.js';
import { examNotFound } from '../sessions/session-expiry.service.js';

/** An exam's fixed facts, as the exam routes use them. */
export interface OpenExam extends Omit<ExamMeta, 'config'> {
  config: ExamConfig;
}

/** Facts of this many exams are kept per process; past it, the oldest are dropped (any instance can reload them). */
const KNOWN_EXAMS = 10_000;

/** Which exam a request names, and whether its caller may open it. */
@Injectable()
export class ExamAccess {
  /** Insertion-ordered, so the first key is the oldest: a bounded FIFO is enough for data that never changes. */
  private readonly known = new Map<string, OpenExam>();

  constructor(private readonly sessions: ExamSessionRepository) {}

  /** The exam's fixed facts: 404 when there is no such exam, 401 when the caller's token opens another. */
  async open(examId: string, caller: Caller): Promise<OpenExam> {
    let exam = this.known.get(examId);
    if (!exam) {
      const meta = await this.sessions.findMeta(examId);
      if (!meta) throw examNotFound();
      exam = { ...meta, config: meta.config as ExamConfig };
      this.remember(exam);
    }
    if (caller.kind === 'exam' && !sameDigest(caller.tokenHash, exam.tokenHash)) {
      throw new ApiException(ErrorCode.UNAUTHORIZED, 'The token does not open this exam');
    }
    return exam;
  }

  /** A new exam is known at once (its first answer needs no lookup). */
  remember(exam: OpenExam): void {
    if (this.known.size >= KNOWN_EXAMS) this.known.delete(this.known.keys().next().value!);
    this.known.set(exam.id, exam);
  }
}
