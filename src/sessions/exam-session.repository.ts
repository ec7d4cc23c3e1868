import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
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
  /** When Redis is unavailable, a submission takes this transaction-scoped lock on the exam instead (`$1`: its id). */
  const advisoryLock = (taken: boolean) => (taken ? 'AND pg_try_advisory_xact_lock(hashtext($1::text))' : '');
  /** A candidate's latest proficiency, from the session row an `upd` CTE returned. */
  const upsertProficiency = (when: string) => `
    prof AS (
      INSERT INTO proficiency (candidate_id, bank_id, theta, se, session_id, updated_at)
      SELECT candidate_id, bank_id, theta, se, id, now() FROM upd WHERE ${when}
      ON CONFLICT (candidate_id, bank_id) DO UPDATE
         SET theta = EXCLUDED.theta, se = EXCLUDED.se, session_id = EXCLUDED.session_id, updated_at = EXCLUDED.updated_at
    )`;
  /**
   * The answer write, one statement (one round trip, one implicit transaction): the session advances under the
   * optimistic version check, and the response row and (on the last answer) the proficiency are written only if it
   * did. It returns no rows: one response inserted means committed. $1 examId, $2 theta, $3 se, $4 nextItem,
   * $5 stopReason, $6 expectedVersion, $7 itemId, $8 answer, $9 correct.
   */
  const recordAnswer = (locked: boolean) => `
      WITH upd AS (
        UPDATE exam_session
           SET theta = $2::float8, se = $3::float8, answered = answered + 1, current_item = $4::int,
               version = version + 1, last_activity_at = now(),
               status = CASE WHEN $5::varchar IS NULL THEN 'ACTIVE' ELSE 'COMPLETED' END::"ExamStatus",
               stop_reason = $5::varchar, completed_at = CASE WHEN $5::varchar IS NULL THEN NULL ELSE now() END
         WHERE id = $1::uuid AND version = $6::int AND ${live} ${advisoryLock(locked)}
        RETURNING id, version, candidate_id, bank_id, theta, se
      ),
      ${upsertProficiency('$5::varchar IS NOT NULL')}
      INSERT INTO response (session_id, seq, item_id, answer, correct, theta_after, se_after)
      SELECT id, version, $7::uuid, $8::varchar, $9::boolean, theta, se FROM upd`;
  /** Candidate-requested end: COMPLETED, proficiency upserted when something was answered. $1 examId. */
  const finish = (locked: boolean) => `
      WITH upd AS (
        UPDATE exam_session
           SET status = 'COMPLETED', completed_at = now(), current_item = NULL, stop_reason = 'FINISHED', last_activity_at = now()
         WHERE id = $1::uuid AND ${live} ${advisoryLock(locked)}
        RETURNING id, candidate_id, bank_id, theta, se, answered
      ),
      ${upsertProficiency('answered > 0')}
      SELECT id FROM upd`;
  return {
    /** The fixed facts of a session (cached per process by the exam routes). */
    meta: `SELECT id, bank_id AS "bankId", candidate_id AS "candidateId", token_hash AS "tokenHash", config, rng_seed AS "seed"
             FROM exam_session WHERE id = $1::uuid`,
    create: `
      INSERT INTO exam_session (id, bank_id, candidate_id, token_hash, config, theta, se, current_item, rng_seed)
      VALUES ($1::uuid, $2::uuid, $3::varchar, $4::char(64), $5::jsonb, $6::float8, $7::float8, $8::int, $9::int)
      RETURNING last_activity_at AS "lastActivityAt"`,
    recordAnswer: recordAnswer(false),
    recordAnswerLocked: recordAnswer(true),
    finish: finish(false),
    finishLocked: finish(true),
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
    const row = (await this.query<ExamMeta>('session-meta', this.sql.meta, [examId]))[0];
    return row ? { ...row, seed: row.seed >>> 0 } : null;
  }

  async create(session: NewSession): Promise<{ id: string; lastActivityAt: Date }> {
    const id = randomUUID();
    const { bankId, candidateId, tokenHash, config, theta, se, currentItem, seed } = session;
    // The uint32 seed is stored as a signed int4.
    const values = [id, bankId, candidateId, tokenHash, JSON.stringify(config), theta, se, currentItem, seed | 0];
    const [row] = await this.query<{ lastActivityAt: Date }>('session-create', this.sql.create, values);
    return { id, lastActivityAt: row.lastActivityAt };
  }

  async load(examId: string): Promise<StoredExamState | null> {
    const rows = await this.query<Omit<StoredExamState, 'history'> & { history: [number, boolean][] }>('session-load', this.sql.load, [examId]);
    const row = rows[0];
    if (!row) return null;
    return { ...row, history: row.history.map(([itemIndex, correct]) => ({ itemIndex, correct })) };
  }

  /**
   * True when committed. False when Postgres refused it: the version moved, the exam is no longer live, the
   * advisory lock is held by another submission, or a unique constraint fired.
   */
  async recordAnswer(write: AnswerWrite): Promise<boolean> {
    const { examId, theta, se, nextItem, stopReason, expectedVersion, itemId, answer, correct } = write;
    const values = [examId, theta, se, nextItem, stopReason, expectedVersion, itemId, answer, correct];
    const [name, text] = write.advisoryLock ? ['session-record-answer-locked', this.sql.recordAnswerLocked] : ['session-record-answer', this.sql.recordAnswer];
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

  private async query<Row>(name: string, text: string, values: unknown[]): Promise<Row[]> {
    return (await this.prisma.preparedStatement<Row>(name, text, values)).rows;
  }
}
