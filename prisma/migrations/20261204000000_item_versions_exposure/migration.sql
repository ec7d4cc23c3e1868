-- Item versions (exams keep the parameters and content they started with), exposure counts across the fleet, and
-- Sympson–Hetter calibration jobs. Adding columns with constant defaults rewrites no table, and the defaults that only
-- serve existing rows are dropped at the end.

-- CreateEnum
CREATE TYPE "ExposureJobStatus" AS ENUM ('RUNNING', 'SUCCEEDED', 'FAILED', 'INTERRUPTED');

-- AlterTable
-- Exams that were running before versions were kept are pinned to version 0: the item versions backfilled below.
ALTER TABLE "exam_session" ADD COLUMN     "bank_version" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "excluded_items" INTEGER[] DEFAULT ARRAY[]::INTEGER[];

-- AlterTable
ALTER TABLE "item" ADD COLUMN     "exposure_k" DOUBLE PRECISION,
ADD COLUMN     "version" INTEGER NOT NULL DEFAULT 1;

-- AlterTable
ALTER TABLE "response" ADD COLUMN     "item_version" INTEGER NOT NULL DEFAULT 1;

-- CreateTable
CREATE TABLE "item_version" (
    "item_id" UUID NOT NULL,
    "version" INTEGER NOT NULL,
    "bank_id" UUID NOT NULL,
    "bank_version" INTEGER NOT NULL,
    "stem" TEXT NOT NULL,
    "options" JSONB NOT NULL,
    "correct_key" VARCHAR(50) NOT NULL,
    "a" DOUBLE PRECISION NOT NULL,
    "b" DOUBLE PRECISION NOT NULL,
    "c" DOUBLE PRECISION NOT NULL,
    "d" DOUBLE PRECISION NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "item_version_pkey" PRIMARY KEY ("item_id","version")
);

-- CreateTable
CREATE TABLE "item_exposure" (
    "bank_id" UUID NOT NULL,
    "ordinal" INTEGER NOT NULL,
    "administrations" INTEGER NOT NULL DEFAULT 0,
    "eligible" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "item_exposure_pkey" PRIMARY KEY ("bank_id","ordinal")
);

-- CreateTable
CREATE TABLE "bank_exposure" (
    "bank_id" UUID NOT NULL,
    "exams" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "bank_exposure_pkey" PRIMARY KEY ("bank_id")
);

-- CreateTable
CREATE TABLE "exposure_control_job" (
    "id" UUID NOT NULL,
    "bank_id" UUID NOT NULL,
    "status" "ExposureJobStatus" NOT NULL DEFAULT 'RUNNING',
    "target_rate" DOUBLE PRECISION NOT NULL,
    "simulees" INTEGER NOT NULL,
    "max_iterations" INTEGER NOT NULL,
    "config" JSONB NOT NULL,
    "seed" INTEGER NOT NULL,
    "iteration" INTEGER NOT NULL DEFAULT 0,
    "k" DOUBLE PRECISION[] DEFAULT ARRAY[]::DOUBLE PRECISION[],
    "max_exposure" DOUBLE PRECISION,
    "simulated" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "heartbeat_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),
    "resumed_from" UUID,

    CONSTRAINT "exposure_control_job_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "item_version_bank_id_bank_version_idx" ON "item_version"("bank_id", "bank_version");

-- CreateIndex
CREATE INDEX "exposure_control_job_bank_id_started_at_idx" ON "exposure_control_job"("bank_id", "started_at");

-- AddForeignKey
ALTER TABLE "item_version" ADD CONSTRAINT "item_version_item_id_fkey" FOREIGN KEY ("item_id") REFERENCES "item"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "item_version" ADD CONSTRAINT "item_version_bank_id_fkey" FOREIGN KEY ("bank_id") REFERENCES "item_bank"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "item_exposure" ADD CONSTRAINT "item_exposure_bank_id_fkey" FOREIGN KEY ("bank_id") REFERENCES "item_bank"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "bank_exposure" ADD CONSTRAINT "bank_exposure_bank_id_fkey" FOREIGN KEY ("bank_id") REFERENCES "item_bank"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "exposure_control_job" ADD CONSTRAINT "exposure_control_job_bank_id_fkey" FOREIGN KEY ("bank_id") REFERENCES "item_bank"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Every item as it is now becomes its version 1, there from bank version 0.
INSERT INTO "item_version" ("item_id", "version", "bank_id", "bank_version", "stem", "options", "correct_key", "a", "b", "c", "d", "created_at")
SELECT "id", 1, "bank_id", 0, "stem", "options", "correct_key", "a", "b", "c", "d", "created_at" FROM "item";

ALTER TABLE "exam_session" ALTER COLUMN "bank_version" DROP DEFAULT;
ALTER TABLE "response" ALTER COLUMN "item_version" DROP DEFAULT;

ALTER TABLE "item" ADD CONSTRAINT "item_exposure_k_range" CHECK ("exposure_k" IS NULL OR ("exposure_k" > 0 AND "exposure_k" <= 1)),
    ADD CONSTRAINT "item_version_positive" CHECK ("version" >= 1);
ALTER TABLE "item_version"
    ADD CONSTRAINT "item_version_a_positive_finite" CHECK ("a" > 0 AND "a" < 'Infinity'),
    ADD CONSTRAINT "item_version_b_finite" CHECK ("b" > '-Infinity' AND "b" < 'Infinity'),
    ADD CONSTRAINT "item_version_c_d_range" CHECK ("c" >= 0 AND "c" < "d" AND "d" <= 1);
ALTER TABLE "item_exposure" ADD CONSTRAINT "item_exposure_counts_non_negative" CHECK ("administrations" >= 0 AND "eligible" >= 0);
ALTER TABLE "bank_exposure" ADD CONSTRAINT "bank_exposure_exams_non_negative" CHECK ("exams" >= 0);
ALTER TABLE "exposure_control_job"
    ADD CONSTRAINT "exposure_control_job_target_range" CHECK ("target_rate" > 0 AND "target_rate" <= 1);
