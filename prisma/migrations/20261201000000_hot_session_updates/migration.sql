-- Every answer updates exam_session.last_activity_at. With that column in no index the update is HOT (no index
-- entry written per answer), and a fillfactor below 100 leaves room on each page for the new row versions.
-- The expiry sweep finds idle sessions through the status index instead.
DROP INDEX "exam_session_status_last_activity_at_idx";

CREATE INDEX "exam_session_status_idx" ON "exam_session"("status");

ALTER TABLE "exam_session" SET (fillfactor = 70);
