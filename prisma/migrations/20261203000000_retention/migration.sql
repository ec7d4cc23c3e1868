-- Retention: exams are purged some days after they stop taking answers. ended_at records when (completion, expiry
-- or revocation), so the purge reads an index instead of scanning the table. last_activity_at stays out of every
-- index (the answer's UPDATE remains HOT: a non-final answer leaves ended_at NULL).
ALTER TABLE "exam_session" ADD COLUMN "ended_at" TIMESTAMPTZ(3);

UPDATE "exam_session"
   SET "ended_at" = GREATEST("last_activity_at", "completed_at", "revoked_at")
 WHERE "status" <> 'ACTIVE' OR "revoked_at" IS NOT NULL;

CREATE INDEX "exam_session_ended_at_idx" ON "exam_session"("ended_at");

CREATE INDEX "launch_expires_at_idx" ON "launch"("expires_at");
