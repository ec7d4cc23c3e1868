import { Injectable } from '@nestjs/common';
import { Prisma } from '@prisma/client';
import { PrismaService } from '../prisma/prisma.service.js';

export type ExamStatusName = 'ACTIVE' | 'COMPLETED' | 'EXPIRED';

/** The parts of a session that never change after it starts (safe to cache in any process). */
export interface ExamMeta {
  id: string;
  bankId: string;
  candidateId: string;
  tokenHash: string;
  config: unknown;
  /** The engine's uint32 seed (stored as a signed int4). */
  seed: number;
}

/** The mutable row, read in one statement with its response history (a consistent snapshot). */
export interface StoredExamState {
  status: ExamStatusName;
  theta: number;
  se: number;
  answered: number;
  currentItem: number | null;
  version: number;
  stopReason: string | null;
  startedAt: Date;
  lastActivityAt: Date;
  completedAt: Date | null;
  /** ACTIVE but idle past the TTL (expired, not yet swept). */
  idle: boolean;
  history: { itemId: string; correct: boolean }[];
}

export interface AnswerWrite {
  examId: string;
  /** The version the new state was computed from (optimistic check). */
  expectedVersion: number;
  itemId: string;
  answer: string;
  correct: boolean;
  theta: number;
  se: number;
  nextItem: number | null;
  done: boolean;
  stopReason: string | null;
  /** Redis unavailable: take `pg_try_advisory_xact_lock` in place of the Redis lock. */
  advisoryLock: boolean;
  ttlSeconds: number;
}

export type AnswerWriteResult =
  | { outcome: 'committed'; version: number; lastActivityAt: Date }
  /** Another submission holds the advisory lock. */
  | { outcome: 'locked' }
  /** Version moved, exam no longer active, idle past the TTL, or a unique constraint fired. */
  | { outcome: 'rejected' };

export interface StoredResponse {
  seq: number;
  itemId: string;
  answer: string;
  correct: boolean;
  thetaAfter: number;
  seAfter: number;
  createdAt: Date;
}

export interface TouchedExam {
  theta: number;
  se: number;
  answered: number;
  currentItem: number | null;
  lastActivityAt: Date;
}

const UNIQUE_VIOLATION = '23505';

/**
 * The answer write: one statement, so one round trip and one implicit transaction. The optimistic version
 * check, the idle-expiry check and (when Redis is unavailable) a per-exam advisory lock guard the UPDATE; the
 * response row and, on the last answer, the proficiency are written only if the UPDATE matched.
 * $1 advisoryLock, $2 examId, $3 theta, $4 se, $5 nextItem, $6 status, $7 stopReason, $8 done,
 * $9 expectedVersion, $10 ttlSeconds, $11 itemId, $12 answer, $13 correct.
 */
const RECORD_ANSWER_SQL = `
  WITH lk AS MATERIALIZED (
    SELECT CASE WHEN $1::boolean THEN pg_try_advisory_xact_lock(hashtext($2::text)) ELSE true END AS ok
  ),
  upd AS (
    UPDATE exam_session
       SET theta = $3::float8, se = $4::float8, answered = answered + 1,
           current_item = $5::int, version = version + 1, last_activity_at = now(),
           status = $6::"ExamStatus", stop_reason = $7::varchar,
           completed_at = CASE WHEN $8::boolean THEN now() ELSE NULL END
     WHERE id = $2::uuid AND version = $9::int AND status = 'ACTIVE'
       AND last_activity_at > now() - make_interval(secs => $10::float8)
       AND (SELECT ok FROM lk)
    RETURNING id, version, candidate_id, bank_id, last_activity_at
  ),
  ins AS (
    INSERT INTO response (session_id, seq, item_id, answer, correct, theta_after, se_after)
    SELECT id, version, $11::uuid, $12::varchar, $13::boolean, $3::float8, $4::float8
      FROM upd
    RETURNING seq
  ),
  prof AS (
    INSERT INTO proficiency (candidate_id, bank_id, theta, se, session_id, updated_at)
    SELECT candidate_id, bank_id, $3::float8, $4::float8, id, now() FROM upd WHERE $8::boolean
    ON CONFLICT (candidate_id, bank_id) DO UPDATE
       SET theta = EXCLUDED.theta, se = EXCLUDED.se, session_id = EXCLUDED.session_id, updated_at = EXCLUDED.updated_at
    RETURNING 1
  )
  SELECT lk.ok AS "locked", upd.version, upd.last_activity_at AS "lastActivityAt"
    FROM lk LEFT JOIN upd ON true LEFT JOIN ins ON true`;

/**
 * A float8 parameter as exact text. Prisma's raw-query serialisation rounds doubles to 16 significant
 * digits; the shortest round-trip string keeps θ bit for bit (replayed bodies must equal the originals).
 */
export const f8 = (value: number): string => String(value);

function isUniqueViolation(error: unknown): boolean {
  if ((error as { code?: unknown } | null)?.code === UNIQUE_VIOLATION) return true; // pg driver error
  if (error instanceof Prisma.PrismaClientKnownRequestError) {
    if (error.code === 'P2002') return true;
    const meta = error.meta as { code?: string; driverAdapterError?: { cause?: { originalCode?: string; kind?: string } } } | undefined;
    if (meta?.code === UNIQUE_VIOLATION) return true;
    const cause = meta?.driverAdapterError?.cause;
    if (cause?.originalCode === UNIQUE_VIOLATION || cause?.kind === 'UniqueConstraintViolation') return true;
  }
  return /unique constraint|duplicate key/i.test(error instanceof Error ? error.message : '');
}

/** Postgres side of the exam sessions: the system of record. Every write is a single statement. */
@Injectable()
export class ExamSessionRepository {
  constructor(private readonly prisma: PrismaService) {}

  async findMeta(examId: string): Promise<ExamMeta | null> {
    const row = await this.prisma.examSession.findUnique({
      where: { id: examId },
      select: { id: true, bankId: true, candidateId: true, tokenHash: true, config: true, rngSeed: true },
    });
    return row && { id: row.id, bankId: row.bankId, candidateId: row.candidateId, tokenHash: row.tokenHash, config: row.config, seed: row.rngSeed >>> 0 };
  }

  async create(input: {
    bankId: string;
    candidateId: string;
    tokenHash: string;
    config: object;
    seed: number;
    theta: number;
    se: number;
    currentItem: number;
  }): Promise<{ id: string; lastActivityAt: Date }> {
    return this.prisma.examSession.create({
      data: {
        bankId: input.bankId,
        candidateId: input.candidateId,
        tokenHash: input.tokenHash,
        config: input.config as Prisma.InputJsonValue,
        rngSeed: input.seed | 0,
        theta: input.theta,
        se: input.se,
        currentItem: input.currentItem,
      },
      select: { id: true, lastActivityAt: true },
    });
  }

  /** The session and its history in one statement, so both describe the same committed version. */
  async loadState(examId: string, ttlSeconds: number): Promise<StoredExamState | null> {
    const rows = await this.prisma.$queryRaw<(Omit<StoredExamState, 'history'> & { history: [string, boolean][] })[]>`
      SELECT s.status::text AS "status", s.theta, s.se, s.answered, s.current_item AS "currentItem", s.version,
             s.stop_reason AS "stopReason", s.started_at AS "startedAt", s.last_activity_at AS "lastActivityAt",
             s.completed_at AS "completedAt",
             (s.status = 'ACTIVE' AND s.last_activity_at <= now() - make_interval(secs => ${ttlSeconds}::float8)) AS "idle",
             COALESCE((SELECT json_agg(json_build_array(r.item_id, r.correct) ORDER BY r.seq)
                       FROM response r WHERE r.session_id = s.id), '[]'::json) AS "history"
      FROM exam_session s WHERE s.id = ${examId}::uuid`;
    const row = rows[0];
    if (!row) return null;
    return { ...row, history: row.history.map(([itemId, correct]) => ({ itemId, correct })) };
  }

  /**
   * The whole accepted answer as one statement (one transaction, one round trip): advance the session
   * under the optimistic version check, insert the response, and on completion upsert the proficiency
   * (`ON CONFLICT`, a native upsert). If the UPDATE matches nothing, nothing is inserted.
   */
  async recordAnswer(write: AnswerWrite): Promise<AnswerWriteResult> {
    const status: ExamStatusName = write.done ? 'COMPLETED' : 'ACTIVE';
    try {
      const rows = await this.prisma.preparedQuery<{ locked: boolean; version: number | null; lastActivityAt: Date | null }>(
        'record-answer',
        RECORD_ANSWER_SQL,
        [
          write.advisoryLock,
          write.examId,
          f8(write.theta),
          f8(write.se),
          write.nextItem,
          status,
          write.stopReason,
          write.done,
          write.expectedVersion,
          write.ttlSeconds,
          write.itemId,
          write.answer,
          write.correct,
        ],
      );
      const row = rows[0];
      if (!row?.locked) return { outcome: 'locked' };
      if (row.version === null || row.lastActivityAt === null) return { outcome: 'rejected' };
      return { outcome: 'committed', version: row.version, lastActivityAt: row.lastActivityAt };
    } catch (error) {
      // The unique constraints are the last guard: a double that got this far is a rejection, not a 500.
      if (isUniqueViolation(error)) return { outcome: 'rejected' };
      throw error;
    }
  }

  /** GET: slides the expiry of an active, not idle, exam. Null when it is not (the caller diagnoses). */
  async touch(examId: string, ttlSeconds: number): Promise<TouchedExam | null> {
    const rows = await this.prisma.$queryRaw<TouchedExam[]>`
      UPDATE exam_session SET last_activity_at = now()
       WHERE id = ${examId}::uuid AND status = 'ACTIVE'
         AND last_activity_at > now() - make_interval(secs => ${ttlSeconds}::float8)
      RETURNING theta, se, answered, current_item AS "currentItem", last_activity_at AS "lastActivityAt"`;
    return rows[0] ?? null;
  }

  /** Candidate-requested end: COMPLETED, proficiency upserted when something was answered. */
  async finish(examId: string, ttlSeconds: number, advisoryLock: boolean): Promise<'finished' | 'locked' | 'rejected'> {
    const rows = await this.prisma.$queryRaw<{ locked: boolean; id: string | null }[]>`
      WITH lk AS MATERIALIZED (
        SELECT CASE WHEN ${advisoryLock}::boolean
                    THEN pg_try_advisory_xact_lock(hashtext(${examId}::text)) ELSE true END AS ok
      ),
      upd AS (
        UPDATE exam_session
           SET status = 'COMPLETED', completed_at = now(), current_item = NULL, stop_reason = 'FINISHED',
               last_activity_at = now()
         WHERE id = ${examId}::uuid AND status = 'ACTIVE'
           AND last_activity_at > now() - make_interval(secs => ${ttlSeconds}::float8)
           AND (SELECT ok FROM lk)
        RETURNING id, candidate_id, bank_id, theta, se, answered
      ),
      prof AS (
        INSERT INTO proficiency (candidate_id, bank_id, theta, se, session_id, updated_at)
        SELECT candidate_id, bank_id, theta, se, id, now() FROM upd WHERE answered > 0
        ON CONFLICT (candidate_id, bank_id) DO UPDATE
           SET theta = EXCLUDED.theta, se = EXCLUDED.se, session_id = EXCLUDED.session_id, updated_at = EXCLUDED.updated_at
        RETURNING 1
      )
      SELECT lk.ok AS "locked", upd.id FROM lk LEFT JOIN upd ON true`;
    const row = rows[0];
    if (!row?.locked) return 'locked';
    return row.id ? 'finished' : 'rejected';
  }

  /** Marks one idle exam EXPIRED now (found idle on a request, before the sweep got to it). */
  async expireIfIdle(examId: string, ttlSeconds: number): Promise<void> {
    await this.prisma.$executeRaw`
      UPDATE exam_session SET status = 'EXPIRED'
       WHERE id = ${examId}::uuid AND status = 'ACTIVE'
         AND last_activity_at <= now() - make_interval(secs => ${ttlSeconds}::float8)`;
  }

  /**
   * One batch of the expiry sweep. The transaction-scoped advisory lock makes it one instance at a time
   * across the fleet without Redis; SKIP LOCKED keeps it off rows that a submission is writing.
   * Returns the expired ids, or null when another instance holds the sweep lock.
   */
  async expireIdleBatch(ttlSeconds: number, batchSize: number, lockKey: number): Promise<string[] | null> {
    const rows = await this.prisma.$queryRaw<{ locked: boolean; id: string | null }[]>`
      WITH lk AS MATERIALIZED (SELECT pg_try_advisory_xact_lock(${lockKey}::bigint) AS ok),
      victims AS (
        SELECT id FROM exam_session
         WHERE status = 'ACTIVE' AND last_activity_at <= now() - make_interval(secs => ${ttlSeconds}::float8)
           AND (SELECT ok FROM lk)
         ORDER BY last_activity_at
         LIMIT ${batchSize}::int
         FOR UPDATE SKIP LOCKED
      ),
      upd AS (
        UPDATE exam_session s SET status = 'EXPIRED' FROM victims v WHERE s.id = v.id RETURNING s.id
      )
      SELECT lk.ok AS "locked", upd.id FROM lk LEFT JOIN upd ON true`;
    if (!rows[0]?.locked) return null;
    return rows.flatMap((row) => (row.id ? [row.id] : []));
  }

  /** The stored response to one item of an exam, and the item shown after it (for idempotent replay). */
  async findResponse(examId: string, itemId: string): Promise<(StoredResponse & { nextItemId: string | null }) | null> {
    const rows = await this.prisma.$queryRaw<(StoredResponse & { nextItemId: string | null })[]>`
      SELECT r.seq, r.item_id AS "itemId", r.answer, r.correct, r.theta_after AS "thetaAfter", r.se_after AS "seAfter",
             r.created_at AS "createdAt",
             (SELECT n.item_id FROM response n WHERE n.session_id = r.session_id AND n.seq = r.seq + 1) AS "nextItemId"
        FROM response r WHERE r.session_id = ${examId}::uuid AND r.item_id = ${itemId}::uuid`;
    return rows[0] ?? null;
  }

  async listResponses(examId: string): Promise<StoredResponse[]> {
    return this.prisma.response.findMany({
      where: { sessionId: examId },
      orderBy: { seq: 'asc' },
      select: { seq: true, itemId: true, answer: true, correct: true, thetaAfter: true, seAfter: true, createdAt: true },
    });
  }

  async countActive(): Promise<number> {
    return this.prisma.examSession.count({ where: { status: 'ACTIVE' } });
  }

  async findProficiency(candidateId: string, bankId: string): Promise<{ theta: number; se: number } | null> {
    return this.prisma.proficiency.findUnique({
      where: { candidateId_bankId: { candidateId, bankId } },
      select: { theta: true, se: true },
    });
  }
}
