import { Injectable } from '@nestjs/common';
import { BoundedCache } from '../common/bounded-cache.js';
import { type Caller, clientOf } from '../common/auth/auth.types.js';
import { sameDigest } from '../common/auth/tokens.js';
import { type ExamMeta, ExamSessionRepository } from '../sessions/exam-session.repository.js';
import { examNotFound, tokenRefused } from '../sessions/session-expiry.service.js';
import { DEFAULT_FEEDBACK, type LaunchConfig } from './start-config.js';

/** An exam's fixed facts, as the exam routes use them. */
export interface OpenExam extends Omit<ExamMeta, 'config'> {
  config: LaunchConfig;
}

/**
 * Facts of at most this many exams, in at most this much memory, are kept per process; past either, the least
 * recently used are dropped (any instance can reload them).
 */
const KNOWN_EXAMS = 10_000;
export const KNOWN_EXAMS_BYTES = 32 * 1024 * 1024;
/** An exam's ids, hashes and dates, on top of its config's JSON (two bytes a character, as V8 may hold it). */
const EXAM_OVERHEAD_BYTES = 600;
const sizeOfExam = (exam: OpenExam) => EXAM_OVERHEAD_BYTES + 2 * JSON.stringify(exam.config).length + 8 * exam.excludedItems.length;

/** Which exam a request names, and whether its caller may open it. */
@Injectable()
export class ExamAccess {
  private readonly known = new BoundedCache<string, OpenExam>({ maxEntries: KNOWN_EXAMS, maxBytes: KNOWN_EXAMS_BYTES, sizeOf: sizeOfExam });

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

  /** How many exams' facts this instance holds, in about how many bytes. */
  cacheStats(): { exams: number; bytes: number } {
    return { exams: this.known.size, bytes: this.known.bytes };
  }

  /** A new exam is known at once (its first answer needs no lookup). */
  remember(exam: OpenExam): void {
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
