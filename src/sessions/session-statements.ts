/**
 * The session statements, as SQL text with the TTL written in once (a validated integer from the config): the
 * "still live" and "idle" conditions, the advisory lock and the proficiency upsert are stated here and nowhere else.
 */
export function sessionStatements(ttlSeconds: number) {
  const idleBefore = `now() - make_interval(secs => ${ttlSeconds})`;
  const live = `status = 'ACTIVE' AND last_activity_at > ${idleBefore}`;
  const idle = `(status = 'ACTIVE' AND last_activity_at <= ${idleBefore})`;
  /** How an exam stopped taking answers (see ExamEnding). */
  const ending = (table: string) =>
    `${table}.status::text AS "status", ${table}.completed_at AS "completedAt", ${table}.last_activity_at AS "lastActivityAt",
     (${table}.status = 'ACTIVE' AND ${table}.last_activity_at <= ${idleBefore}) AS "idle", ${table}.revoked_at AS "revokedAt"`;
  /** When Redis is unavailable, a submission takes this transaction-scoped lock on the exam instead (`$1`: its id). */
  const advisoryLock = (taken: boolean) => (taken ? 'AND pg_try_advisory_xact_lock(hashtext($1::text))' : '');
  /**
   * The candidate's latest proficiency, from the session row an `upd` CTE returned, within its client's namespace;
   * only exams launched from a test definition write it.
   */
  const upsertProficiency = (when: string) => `
    prof AS (
      INSERT INTO proficiency (client_id, candidate_id, bank_id, theta, se, session_id, updated_at)
      SELECT client_id, candidate_id, bank_id, theta, se, id, now() FROM upd WHERE test_definition_id IS NOT NULL AND ${when}
      ON CONFLICT (client_id, candidate_id, bank_id) DO UPDATE
         SET theta = EXCLUDED.theta, se = EXCLUDED.se, session_id = EXCLUDED.session_id, updated_at = EXCLUDED.updated_at
    )`;
  const returnedForProficiency = 'id, client_id, candidate_id, bank_id, test_definition_id, theta, se';
  /**
   * The answer write, one statement (one round trip, one implicit transaction): the session advances under the
   * optimistic version check, and the response row is written only if it did. It returns no rows: one response
   * inserted means committed. The exam's last answer (`final`) also completes the session and, for an exam
   * launched from a test definition, upserts the proficiency; the others leave every indexed column alone (a HOT
   * update) and plan no upsert.
   * $1 examId, $2 theta, $3 se, $4 nextItem, $5 stopReason (null unless final), $6 expectedVersion, $7 itemId,
   * $8 answer, $9 correct (full credit), $10 the item version it was scored with, $11 the score it earned, $12 whether
   * the item was an unscored pretest item.
   */
  const recordAnswer = (final: boolean, locked: boolean) => `
      WITH upd AS (
        UPDATE exam_session
           SET theta = $2::float8, se = $3::float8, answered = answered + 1, current_item = $4::int,
               version = version + 1, last_activity_at = now()${
                 final ? `, status = 'COMPLETED', stop_reason = $5::varchar, completed_at = now(), ended_at = now()` : ''
               }
         WHERE id = $1::uuid AND version = $6::int AND ${live} ${advisoryLock(locked)}
               -- Every variant takes the same parameters: one that is not final refuses a stop reason.
               ${final ? '' : 'AND $5::varchar IS NULL'}
        RETURNING version, ${final ? returnedForProficiency : 'id, theta, se'}
      )${final ? `,${upsertProficiency('true')}` : ''}
      INSERT INTO response (session_id, seq, item_id, answer, correct, item_version, score, pretest, theta_after, se_after)
      SELECT id, version, $7::uuid, $8::varchar, $9::boolean, $10::int, $11::int2, $12::boolean, theta, se FROM upd`;
  /** Candidate-requested end: COMPLETED, proficiency upserted when something was answered. $1 examId. */
  const finish = (locked: boolean) => `
      WITH upd AS (
        UPDATE exam_session
           SET status = 'COMPLETED', completed_at = now(), ended_at = now(), current_item = NULL, stop_reason = 'FINISHED',
               last_activity_at = now()
         WHERE id = $1::uuid AND ${live} ${advisoryLock(locked)}
        RETURNING answered, ${returnedForProficiency}
      ),
      ${upsertProficiency('answered > 0')}
      SELECT id FROM upd`;
  const insertSession = `
      INSERT INTO exam_session (id, bank_id, client_id, candidate_id, token_hash, config, theta, se, current_item, rng_seed,
                                test_definition_id, test_definition_revision, bank_version, excluded_items)`;
  return {
    /** The fixed facts of a session (cached per process by the exam routes). */
    meta: `
      SELECT id, bank_id AS "bankId", client_id AS "clientId", candidate_id AS "candidateId", token_hash AS "tokenHash",
             config, rng_seed AS "seed", test_definition_id AS "testDefinitionId", test_definition_revision AS "testDefinitionRevision",
             bank_version AS "bankVersion", COALESCE(excluded_items, '{}') AS "excludedItems"
        FROM exam_session WHERE id = $1::uuid`,
    /** $1..$14 as in `insertSession`. */
    create: `${insertSession}
      VALUES ($1::uuid, $2::uuid, $3::uuid, $4::varchar, $5::char(64), $6::jsonb, $7::float8, $8::float8, $9::int, $10::int, $11::uuid, $12::int,
              $13::int, $14::int[])
      RETURNING last_activity_at AS "lastActivityAt"`,
    /**
     * The same insert, only if the launch ($15) is still unused and unexpired, marking it used: one statement, so
     * of concurrent redemptions exactly one starts an exam (the others find it used), with or without Redis.
     */
    createFromLaunch: `
      WITH redeemed AS (
        UPDATE launch SET used_at = now(), exam_id = $1::uuid
         WHERE id = $15::uuid AND used_at IS NULL AND expires_at > now()
        RETURNING id
      )
      ${insertSession}
      SELECT $1::uuid, $2::uuid, $3::uuid, $4::varchar, $5::char(64), $6::jsonb, $7::float8, $8::float8, $9::int, $10::int, $11::uuid, $12::int,
             $13::int, $14::int[]
        FROM redeemed
      RETURNING last_activity_at AS "lastActivityAt"`,
    recordAnswer: recordAnswer(false, false),
    recordAnswerLocked: recordAnswer(false, true),
    recordFinalAnswer: recordAnswer(true, false),
    recordFinalAnswerLocked: recordAnswer(true, true),
    finish: finish(false),
    finishLocked: finish(true),
    /** The session and its history (as ordinals) in one statement, so both describe the same committed version. */
    load: `
      SELECT ${ending('s')}, s.theta, s.se, s.answered, s.current_item AS "currentItem", s.version,
             s.stop_reason AS "stopReason", s.started_at AS "startedAt",
             COALESCE((SELECT json_agg(json_build_array(i.ordinal, r.score) ORDER BY r.seq)
                         FROM response r JOIN item i ON i.id = r.item_id WHERE r.session_id = s.id), '[]'::json) AS "history"
        FROM exam_session s WHERE s.id = $1::uuid`,
    /** Slides the expiry of a live exam. */
    touch: `
      UPDATE exam_session SET last_activity_at = now() WHERE id = $1::uuid AND ${live}
      RETURNING theta, se, answered, current_item AS "currentItem", last_activity_at AS "lastActivityAt"`,
    /**
     * Item ordinals a client's candidate answered in any exam on the bank (excludeSeenItems), as long as retention
     * keeps those exams. $1 client, $2 candidate, $3 bank.
     */
    seenItems: `
      SELECT COALESCE(array_agg(DISTINCT i.ordinal), '{}') AS "ordinals"
        FROM exam_session s JOIN response r ON r.session_id = s.id JOIN item i ON i.id = r.item_id
       WHERE s.client_id = $1::uuid AND s.candidate_id = $2::varchar AND s.bank_id = $3::uuid`,
    /** The response to one item, the item shown after it, and the session as it is now. $1 examId, $2 itemId. */
    replaySource: `
      SELECT r.seq, r.item_id AS "itemId", r.item_version AS "itemVersion", r.answer, r.correct, r.score, r.pretest, r.theta_after AS "thetaAfter", r.se_after AS "seAfter",
             r.created_at AS "createdAt",
             (SELECT n.item_id FROM response n WHERE n.session_id = r.session_id AND n.seq = r.seq + 1) AS "nextItemId",
             ${ending('s')}, s.current_item AS "currentItem", s.stop_reason AS "stopReason"
        FROM response r JOIN exam_session s ON s.id = r.session_id
       WHERE r.session_id = $1::uuid AND r.item_id = $2::uuid`,
    expireIfIdle: `UPDATE exam_session SET status = 'EXPIRED', ended_at = now() WHERE id = $1::uuid AND ${idle}`,
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
      upd AS (UPDATE exam_session s SET status = 'EXPIRED', ended_at = now() FROM victims v WHERE s.id = v.id RETURNING s.id)
      SELECT lk.ok AS "locked", upd.id FROM lk LEFT JOIN upd ON true`,
    /**
     * Revokes exams: their tokens stop working at once. An active one becomes REVOKED (it takes no more answers); one
     * that already ended keeps its status. Returns the ids revoked now. $1 client (null: any), then either $2 an exam
     * or $3 a candidate (active exams only).
     */
    revoke: `
      UPDATE exam_session
         SET revoked_at = now(), status = CASE WHEN status = 'ACTIVE' THEN 'REVOKED'::"ExamStatus" ELSE status END,
             ended_at = COALESCE(ended_at, now())
       WHERE revoked_at IS NULL AND ($1::uuid IS NULL OR client_id = $1::uuid)
         AND (id = $2::uuid OR (client_id = $1::uuid AND candidate_id = $3::varchar AND status = 'ACTIVE'))
      RETURNING id`,
    /**
     * One batch of the retention purge: exams that ended more than $2 days ago, oldest first, deleted with their
     * responses (ON DELETE CASCADE); proficiencies stay. One instance of the fleet at a time ($1 lock key, $3 batch
     * size). Returns whether the lock was taken and how many exams went.
     */
    purgeEndedBatch: purgeBatch('exam_session', 'ended_at'),
    /** Launch tokens that expired more than $2 days ago (used or not), as purgeEndedBatch. */
    purgeLaunchesBatch: purgeBatch('launch', 'expires_at'),
  };
}

/** Deletes up to $3 rows of `table` whose `since` is more than $2 days past, under the advisory lock $1. */
function purgeBatch(table: string, since: string): string {
  return `
      WITH lk AS MATERIALIZED (SELECT pg_try_advisory_xact_lock($1::bigint) AS ok),
      victims AS (
        SELECT id FROM ${table} WHERE ${since} < now() - make_interval(days => $2::int) AND (SELECT ok FROM lk)
         ORDER BY ${since} LIMIT $3::int FOR UPDATE SKIP LOCKED
      ),
      del AS (DELETE FROM ${table} t USING victims v WHERE t.id = v.id RETURNING 1)
      SELECT lk.ok AS "locked", (SELECT count(*) FROM del)::int AS "deleted" FROM lk`;
}
