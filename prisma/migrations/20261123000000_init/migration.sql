-- CreateEnum
CREATE TYPE "ExamStatus" AS ENUM ('ACTIVE', 'COMPLETED', 'EXPIRED');

-- CreateTable
CREATE TABLE "item_bank" (
    "id" UUID NOT NULL,
    "name" VARCHAR(200) NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "item_bank_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "item" (
    "id" UUID NOT NULL,
    "bank_id" UUID NOT NULL,
    "ordinal" INTEGER NOT NULL,
    "external_id" VARCHAR(200) NOT NULL,
    "stem" TEXT NOT NULL,
    "options" JSONB NOT NULL,
    "correct_key" VARCHAR(50) NOT NULL,
    "a" DOUBLE PRECISION NOT NULL,
    "b" DOUBLE PRECISION NOT NULL,
    "c" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "d" DOUBLE PRECISION NOT NULL DEFAULT 1,
    "content_area" VARCHAR(100),
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "item_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "exam_session" (
    "id" UUID NOT NULL,
    "bank_id" UUID NOT NULL,
    "candidate_id" VARCHAR(200) NOT NULL,
    "token_hash" CHAR(64) NOT NULL,
    "status" "ExamStatus" NOT NULL DEFAULT 'ACTIVE',
    "config" JSONB NOT NULL,
    "theta" DOUBLE PRECISION NOT NULL,
    "se" DOUBLE PRECISION NOT NULL,
    "answered" INTEGER NOT NULL DEFAULT 0,
    "current_item" INTEGER,
    "rng_seed" INTEGER NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 0,
    "stop_reason" VARCHAR(40),
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_activity_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completed_at" TIMESTAMPTZ(3),

    CONSTRAINT "exam_session_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "response" (
    "session_id" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "item_id" UUID NOT NULL,
    "answer" VARCHAR(50) NOT NULL,
    "correct" BOOLEAN NOT NULL,
    "theta_after" DOUBLE PRECISION NOT NULL,
    "se_after" DOUBLE PRECISION NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "response_pkey" PRIMARY KEY ("session_id","seq")
);

-- CreateTable
CREATE TABLE "proficiency" (
    "candidate_id" VARCHAR(200) NOT NULL,
    "bank_id" UUID NOT NULL,
    "theta" DOUBLE PRECISION NOT NULL,
    "se" DOUBLE PRECISION NOT NULL,
    "session_id" UUID NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "proficiency_pkey" PRIMARY KEY ("candidate_id","bank_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "item_bank_id_external_id_key" ON "item"("bank_id", "external_id");

-- CreateIndex
CREATE UNIQUE INDEX "item_bank_id_ordinal_key" ON "item"("bank_id", "ordinal");

-- CreateIndex
CREATE UNIQUE INDEX "exam_session_token_hash_key" ON "exam_session"("token_hash");

-- CreateIndex
CREATE INDEX "exam_session_bank_id_idx" ON "exam_session"("bank_id");

-- CreateIndex
CREATE INDEX "exam_session_candidate_id_bank_id_idx" ON "exam_session"("candidate_id", "bank_id");

-- CreateIndex
CREATE INDEX "exam_session_status_last_activity_at_idx" ON "exam_session"("status", "last_activity_at");

-- CreateIndex
CREATE INDEX "response_item_id_idx" ON "response"("item_id");

-- CreateIndex
CREATE UNIQUE INDEX "response_session_id_item_id_key" ON "response"("session_id", "item_id");

-- AddForeignKey
ALTER TABLE "item" ADD CONSTRAINT "item_bank_id_fkey" FOREIGN KEY ("bank_id") REFERENCES "item_bank"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "exam_session" ADD CONSTRAINT "exam_session_bank_id_fkey" FOREIGN KEY ("bank_id") REFERENCES "item_bank"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "response" ADD CONSTRAINT "response_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "exam_session"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "response" ADD CONSTRAINT "response_item_id_fkey" FOREIGN KEY ("item_id") REFERENCES "item"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "proficiency" ADD CONSTRAINT "proficiency_bank_id_fkey" FOREIGN KEY ("bank_id") REFERENCES "item_bank"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Constraints Prisma cannot express. Postgres sorts NaN above every number, so `< 'Infinity'` also
-- rejects NaN: these keep every stored IRT parameter finite and in range.
-- (No semicolons inside comments or literals here: the pg adapter splits migration scripts on them.)
ALTER TABLE "item"
    ADD CONSTRAINT "item_a_positive_finite" CHECK ("a" > 0 AND "a" < 'Infinity'),
    ADD CONSTRAINT "item_b_finite" CHECK ("b" > '-Infinity' AND "b" < 'Infinity'),
    ADD CONSTRAINT "item_c_d_range" CHECK ("c" >= 0 AND "c" < "d" AND "d" <= 1),
    ADD CONSTRAINT "item_ordinal_non_negative" CHECK ("ordinal" >= 0);

ALTER TABLE "item_bank" ADD CONSTRAINT "item_bank_version_positive" CHECK ("version" >= 1);

ALTER TABLE "exam_session"
    ADD CONSTRAINT "exam_session_counters_non_negative" CHECK ("answered" >= 0 AND "version" >= 0),
    ADD CONSTRAINT "exam_session_completed_at_set" CHECK ("status" <> 'COMPLETED' OR "completed_at" IS NOT NULL);

ALTER TABLE "response" ADD CONSTRAINT "response_seq_positive" CHECK ("seq" >= 1);
