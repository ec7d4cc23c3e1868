-- Enemy sets (items that must not appear together in an exam) and unscored pretest items, whose responses are kept
-- (for calibration) and marked.
ALTER TABLE "item" ADD COLUMN     "enemy_group" VARCHAR(100),
ADD COLUMN     "pretest" BOOLEAN NOT NULL DEFAULT false;

ALTER TABLE "response" ADD COLUMN     "pretest" BOOLEAN NOT NULL DEFAULT false;
