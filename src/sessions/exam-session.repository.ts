import { Injectable } from '@nestjs/common';
import type { Prisma } from '@prisma/client';
import { AppConfig } from '../config/app-config.service.js';
import type { StopReason } from '../irt/index.js';
import { isUniqueViolation } from '../prisma/database-errors.js';
import { PrismaService } from '../prisma/prisma.service.js';
import type { ExamHotState } from './exam-state.js';

export type ExamStatusName = 'ACTIVE' | 'COMPLETED' | 'EXPIRED';

/** Why an exam ended: a stopping rule, or the candidate's own finish. */
export type ExamStopReason = StopReason | 'FINISHED';

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

/** The mutable row with its response history, read in one statement (a consistent snapshot). */
export interface StoredExamState extends ExamHotState {
  status: ExamStatusName;
  answered: number;
  stopReason: ExamStopReason | null;
  startedAt: Date;
  lastActivityAt: Date;
  completedAt: Date | null;
  /** ACTIVE but idle past the TTL (expired, not yet marked so). */
  idle: boolean;
}

export interface NewSession {
  bankId: string;
  candidateId: string;
  tokenHash: string;
  config: object;
  seed: number;
  theta: number;
  se: number;
  currentItem: number;
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
  stopReason: StopReason | null;
  /** Redis unavailable: take `pg_try_advisory_xact_lock` in place of the Redis lock. */
  advisoryLock: boolean;
}

export type WriteOutcome =
  | { outcome: 'committed'; version: number }
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

/** An earlier response with what its original reply needs: the item shown after it, and the session now. */
export interface ReplaySource extends StoredResponse {
  nextItemId: string | null;
  status: ExamStatusName;
  idle: boolean;
  currentItem: number | null;
  stopReason: ExamStopReason | null;
}

export interface TouchedExam {
  theta: number;
  se: number;
  answered: number;
  currentItem: number | null;
  lastActivityAt: Date;
}

/**
 * The session statements, as SQL text with the TTL written in once (a validated integer from the config): the
 * "still live" and "idle" conditions are stated here and nowhere else.
 */
function sessionStatements(ttlSeconds: number) {
  const idleBefore = `now() - make_interval(secs => ${ttlSeconds})`;
  const live = `status = 'ACTIVE' AND last_activity_at > ${idleBefore}`;
  const idle = `(status = 'ACTIVE' AND last_activity_at <= ${idleBefore})`;
  /** A Redis-less submission takes this transaction-scoped lock instead; `$1` is the exam id. */
  const advisoryLock = (enabled: string) =>
    `lk AS MATERIALIZED (SELECT CASE WHEN ${enabled} THEN pg_try_advisory_xact_lock(hashtext($1::text)) ELSE true END AS ok)`;
  /** A candidate's latest proficiency, from the session row(s) an `upd` CTE returned. */
  const upsertProficiency = (when: string) => `
    prof AS (
      INSERT INTO proficiency (candidate_id, bank_id, theta, se, session_id, updated_at)
      SELECT candidate_id, bank_id, theta, se, id, now() FROM upd WHERE ${when}
      ON CONFLICT (candidate_id, bank_id) DO UPDATE
         SET theta = EXCLUDED.theta, se = EXCLUDED.se, session_id = EXCLUDED.session_id, updated_at = EXCLUDED.updated_at
      RETURNING 1
    )`;
  return {
    /**
     * The answer write, one statement (one round trip, one implicit transaction): the session advances under the
     * optimistic version check, the response row and (on the last answer) the proficiency are written only if it did.
     * $1 examId, $2 advisoryLock, $3 theta, $4 se, $5 nextItem, $6 stopReason, $7 expectedVersion, $8 itemId,
     * $9 answer, $10 correct.
     */
    recordAnswer: `
      WITH ${advisoryLock('$2::boolean')},
      upd AS (
        UPDATE exam_session
           SET theta = $3::float8, se = $4::float8, answered = answered + 1, current_item = $5::int,
               version = version + 1, last_activity_at = now(),
               status = CASE WHEN $6::varchar IS NULL THEN 'ACTIVE' ELSE 'COMPLETED' END::"ExamStatus",
               stop_reason = $6::varchar, completed_at = CASE WHEN $6::varchar IS NULL THEN NULL ELSE now() END
         WHERE id = $1::uuid AND version = $7::int AND ${live} AND (SELECT ok FROM lk)
        RETURNING id, version, candidate_id, bank_id, theta, se
      ),
      ins AS (
        INSERT INTO response (session_id, seq, item_id, answer, correct, theta_after, se_after)
        SELECT id, version, $8::uuid, $9::varchar, $10::boolean, theta, se FROM upd
        RETURNING seq
      ),
      ${upsertProficiency('$6::varchar IS NOT NULL')}
      SELECT lk.ok AS "locked", upd.version FROM lk LEFT JOIN upd ON true LEFT JOIN ins ON true`,
    /** Candidate-requested end: COMPLETED, proficiency upserted when something was answered. $1 examId, $2 advisoryLock. */
    finish: `
      WITH ${advisoryLock('$2::boolean')},
      upd AS (
        UPDATE exam_session
           SET status = 'COMPLETED', completed_at = now(), current_item = NULL, stop_reason = 'FINISHED', last_activity_at = now()
         WHERE id = $1::uuid AND ${live} AND (SELECT ok FROM lk)
        RETURNING id, candidate_id, bank_id, theta, se, answered, version
      ),
      ${upsertProficiency('answered > 0')}
      SELECT lk.ok AS "locked", upd.version FROM lk LEFT JOIN upd ON true`,
    /** The session and its history (as ordinals) in one statement, so both describe the same committed version. */
    load: `
      SELECT s.status::text AS "status", s.theta, s.se, s.answered, s.current_item AS "currentItem", s.version,
             s.stop_reason AS "stopReason", s.started_at AS "startedAt", s.last_activity_at AS "lastActivityAt",
             s.completed_at AS "completedAt", ${idle} AS "idle",
             COALESCE((SELECT json_agg(json_build_array(i.ordinal, r.correct) ORDER BY r.seq)
                         FROM response r JOIN item i ON i.id = r.item_id WHERE r.session_id = s.id), '[]'::json) AS "history"
        FROM exam_session s WHERE s.id = $1::uuid`,
    /** Slides the expiry of a live exam. */
    touch: `
      UPDATE exam_session SET last_activity_at = now() WHERE id = $1::uuid AND ${live}
      RETURNING theta, se, answered, current_item AS "currentItem", last_activity_at AS "lastActivityAt"`,
    /** The response to one item, the item shown after it, and the session as it is now. $1 examId, $2 itemId. */
    replaySource: `
      SELECT r.seq, r.item_id AS "itemId", r.answer, r.correct, r.theta_after AS "thetaAfter", r.se_after AS "seAfter",
             r.created_at AS "createdAt",
             (SELECT n.item_id FROM response n WHERE n.session_id = r.session_id AND n.seq = r.seq + 1) AS "nextItemId",
             s.status::text AS "status", ${idle} AS "idle", s.current_item AS "currentItem", s.stop_reason AS "stopReason"
        FROM response r JOIN exam_session s ON s.id = r.session_id
       WHERE r.session_id = $1::uuid AND r.item_id = $2::uuid`,
    expireIfIdle: `UPDATE exam_session SET status = 'EXPIRED' WHERE id = $1::uuid AND ${idle}`,
    /**
     * One batch of the expiry sweep. The transaction-scoped advisory lock makes it one instance at a time across the
     * fleet without Redis; SKIP LOCKED keeps it off rows a submission is writing. $1 lock key, $2 batch size.
     */
    expireIdleBatch: `
      WITH lk AS MATERIALIZED (SELECT pg_try_advisory_xact_lock($1::bigint) AS ok),
      victims AS (
        SELECT id FROM exam_session WHERE ${idle} AND (SELECT ok FROM lk)
         ORDER BY last_activity_at LIMIT $2::int FOR UPDATE SKIP LOCKED
      ),
      upd AS (UPDATE exam_session s SET status = 'EXPIRED' FROM victims v WHERE s.id = v.id RETURNING s.id)
      SELECT lk.ok AS "locked", upd.id FROM lk LEFT JOIN upd ON true`,
  };
}

/**
 * Postgres side of the exam sessions: the system of record. Every write is a single statement; the frequent ones
 * are named prepared statements on the pool (parsed once per connection, no ORM pipeline).
 */
@Injectable()
export class ExamSessionRepository {
  private readonly sql: ReturnType<typeof sessionStatements>;

  constructor(
    private readonly prisma: PrismaService,
    config: AppConfig,
  ) {
    this.sql = sessionStatements(config.get('SESSION_TTL_SECONDS'));
  }

  async findMeta(examId: string): Promise<ExamMeta | null> {
    const row = await this.prisma.examSession.findUnique({
      where: { id: examId },
      select: { id: true, bankId: true, candidateId: true, tokenHash: true, config: true, rngSeed: true },
    });
    return row && { id: row.id, bankId: row.bankId, candidateId: row.candidateId, tokenHash: row.tokenHash, config: row.config, seed: row.rngSeed >>> 0 };
  }

  create(session: NewSession): Promise<{ id: string; lastActivityAt: Date }> {
    const { seed, config, ...columns } = session;
    return this.prisma.examSession.create({
      data: { ...columns, config: config as Prisma.InputJsonValue, rngSeed: seed | 0 },
      select: { id: true, lastActivityAt: true },
    });
  }

  async load(examId: string): Promise<StoredExamState | null> {
    const rows = await this.query<Omit<StoredExamState, 'history'> & { history: [number, boolean][] }>('session-load', this.sql.load, [examId]);
    const row = rows[0];
    if (!row) return null;
    return { ...row, history: row.history.map(([itemIndex, correct]) => ({ itemIndex, correct })) };
  }

  async recordAnswer(write: AnswerWrite): Promise<WriteOutcome> {
    const { examId, advisoryLock, theta, se, nextItem, stopReason, expectedVersion, itemId, answer, correct } = write;
    const values = [examId, advisoryLock, theta, se, nextItem, stopReason, expectedVersion, itemId, answer, correct];
    try {
      return outcomeOf(await this.query<{ locked: boolean; version: number | null }>('session-record-answer', this.sql.recordAnswer, values));
    } catch (error) {
      // The unique constraints are the last guard: a double that got this far is a rejection, not a 500.
      if (isUniqueViolation(error)) return { outcome: 'rejected' };
      throw error;
    }
  }

  async finish(examId: string, advisoryLock: boolean): Promise<WriteOutcome> {
    return outcomeOf(await this.query<{ locked: boolean; version: number | null }>('session-finish', this.sql.finish, [examId, advisoryLock]));
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

  listResponses(examId: string): Promise<StoredResponse[]> {
    return this.prisma.response.findMany({
      where: { sessionId: examId },
      orderBy: { seq: 'asc' },
      select: { seq: true, itemId: true, answer: true, correct: true, thetaAfter: true, seAfter: true, createdAt: true },
    });
  }

  countActive(): Promise<number> {
    return this.prisma.examSession.count({ where: { status: 'ACTIVE' } });
  }

  findProficiency(candidateId: string, bankId: string): Promise<{ theta: number; se: number } | null> {
    return this.prisma.proficiency.findUnique({ where: { candidateId_bankId: { candidateId, bankId } }, select: { theta: true, se: true } });
  }

  private query<Row>(name: string, text: string, values: unknown[]): Promise<Row[]> {
    return this.prisma.preparedQuery<Row>(name, text, values);
  }
}

function outcomeOf(rows: { locked: boolean; version: number | null }[]): WriteOutcome {
  const row = rows[0];
  if (!row?.locked) return { outcome: 'locked' };
  return row.version === null ? { outcome: 'rejected' } : { outcome: 'committed', version: row.version };
}
