-- Platform clients with scoped keys, test definitions, launch tokens, candidates namespaced by client, revocation.
-- Existing exams and proficiencies belong to the root client (the nil UUID, whose key is ADMIN_API_KEY), so they
-- stay readable by the admin key and keep their meaning.

-- AlterEnum
ALTER TYPE "ExamStatus" ADD VALUE 'REVOKED';

-- CreateTable
CREATE TABLE "api_client" (
    "id" UUID NOT NULL,
    "name" VARCHAR(200) NOT NULL,
    "scopes" VARCHAR(32)[],
    "bank_ids" UUID[],
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_client_pkey" PRIMARY KEY ("id")
);

INSERT INTO "api_client" ("id", "name", "scopes", "bank_ids")
VALUES ('00000000-0000-0000-0000-000000000000', 'root (ADMIN_API_KEY)', ARRAY['admin']::VARCHAR(32)[], ARRAY[]::UUID[]);

-- CreateTable
CREATE TABLE "api_client_key" (
    "prefix" VARCHAR(32) NOT NULL,
    "client_id" UUID NOT NULL,
    "secret_hash" CHAR(64) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMPTZ(3),
    "expires_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_client_key_pkey" PRIMARY KEY ("prefix")
);

-- CreateTable
CREATE TABLE "test_definition" (
    "id" UUID NOT NULL,
    "bank_id" UUID NOT NULL,
    "name" VARCHAR(200) NOT NULL,
    "revision" INTEGER NOT NULL DEFAULT 1,
    "config" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "test_definition_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "test_definition_revision" (
    "definition_id" UUID NOT NULL,
    "revision" INTEGER NOT NULL,
    "name" VARCHAR(200) NOT NULL,
    "config" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "test_definition_revision_pkey" PRIMARY KEY ("definition_id","revision")
);

-- CreateTable
CREATE TABLE "launch" (
    "id" UUID NOT NULL,
    "token_hash" CHAR(64) NOT NULL,
    "client_id" UUID NOT NULL,
    "test_definition_id" UUID NOT NULL,
    "candidate_id" VARCHAR(200) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "used_at" TIMESTAMPTZ(3),
    "exam_id" UUID,

    CONSTRAINT "launch_pkey" PRIMARY KEY ("id")
);

-- AlterTable: existing exams belong to the root client.
DROP INDEX "exam_session_candidate_id_bank_id_idx";

ALTER TABLE "exam_session" ADD COLUMN "client_id" UUID NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000',
ADD COLUMN "revoked_at" TIMESTAMPTZ(3),
ADD COLUMN "test_definition_id" UUID,
ADD COLUMN "test_definition_revision" INTEGER;

ALTER TABLE "exam_session" ALTER COLUMN "client_id" DROP DEFAULT;

-- AlterTable: existing proficiencies belong to the root client.
ALTER TABLE "proficiency" DROP CONSTRAINT "proficiency_pkey",
ADD COLUMN "client_id" UUID NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000',
ADD CONSTRAINT "proficiency_pkey" PRIMARY KEY ("client_id", "candidate_id", "bank_id");

ALTER TABLE "proficiency" ALTER COLUMN "client_id" DROP DEFAULT;

-- CreateIndex
CREATE INDEX "api_client_key_client_id_idx" ON "api_client_key"("client_id");

-- CreateIndex
CREATE INDEX "test_definition_bank_id_idx" ON "test_definition"("bank_id");

-- CreateIndex
CREATE UNIQUE INDEX "launch_token_hash_key" ON "launch"("token_hash");

-- CreateIndex
CREATE UNIQUE INDEX "launch_exam_id_key" ON "launch"("exam_id");

-- CreateIndex
CREATE INDEX "exam_session_client_id_candidate_id_idx" ON "exam_session"("client_id", "candidate_id");

-- AddForeignKey
ALTER TABLE "api_client_key" ADD CONSTRAINT "api_client_key_client_id_fkey" FOREIGN KEY ("client_id") REFERENCES "api_client"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "test_definition" ADD CONSTRAINT "test_definition_bank_id_fkey" FOREIGN KEY ("bank_id") REFERENCES "item_bank"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "test_definition_revision" ADD CONSTRAINT "test_definition_revision_definition_id_fkey" FOREIGN KEY ("definition_id") REFERENCES "test_definition"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "launch" ADD CONSTRAINT "launch_client_id_fkey" FOREIGN KEY ("client_id") REFERENCES "api_client"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "launch" ADD CONSTRAINT "launch_test_definition_id_fkey" FOREIGN KEY ("test_definition_id") REFERENCES "test_definition"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "exam_session" ADD CONSTRAINT "exam_session_client_id_fkey" FOREIGN KEY ("client_id") REFERENCES "api_client"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "exam_session" ADD CONSTRAINT "exam_session_test_definition_id_fkey" FOREIGN KEY ("test_definition_id") REFERENCES "test_definition"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "proficiency" ADD CONSTRAINT "proficiency_client_id_fkey" FOREIGN KEY ("client_id") REFERENCES "api_client"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Constraints Prisma cannot express (the status is compared as text: a new enum value cannot be used in the
-- transaction that adds it).
ALTER TABLE "exam_session" ADD CONSTRAINT "exam_session_revoked_at_set" CHECK ("status"::text <> 'REVOKED' OR "revoked_at" IS NOT NULL);

ALTER TABLE "test_definition" ADD CONSTRAINT "test_definition_revision_positive" CHECK ("revision" >= 1);

ALTER TABLE "launch" ADD CONSTRAINT "launch_used_with_exam" CHECK (("used_at" IS NULL) = ("exam_id" IS NULL));
