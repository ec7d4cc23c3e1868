-- Polytomous items (GRM, GPCM, PCM): a model and thresholds per item and item version, option scores in the options
-- JSON, no correct key. Responses record the score earned (1/0 for the right/wrong items of before). Existing banks
-- are 4PL and keep working unchanged. Setting each correct response to score 1 rewrites those rows once.

-- AlterTable
ALTER TABLE "item" ADD COLUMN     "model" VARCHAR(4) NOT NULL DEFAULT '4PL',
ADD COLUMN     "thresholds" DOUBLE PRECISION[],
ALTER COLUMN "correct_key" DROP NOT NULL;

-- AlterTable
ALTER TABLE "item_version" ADD COLUMN     "model" VARCHAR(4) NOT NULL DEFAULT '4PL',
ADD COLUMN     "thresholds" DOUBLE PRECISION[],
ALTER COLUMN "correct_key" DROP NOT NULL;

-- AlterTable
ALTER TABLE "response" ADD COLUMN     "score" SMALLINT NOT NULL DEFAULT 0;
UPDATE "response" SET "score" = 1 WHERE "correct";
ALTER TABLE "response" ALTER COLUMN "score" DROP DEFAULT;

ALTER TABLE "item"
    ADD CONSTRAINT "item_model_known" CHECK ("model" IN ('4PL', 'GRM', 'GPCM', 'PCM')),
    ADD CONSTRAINT "item_model_fields" CHECK (
        CASE WHEN "model" = '4PL' THEN "correct_key" IS NOT NULL AND COALESCE(array_length("thresholds", 1), 0) = 0
             ELSE "correct_key" IS NULL AND array_length("thresholds", 1) BETWEEN 1 AND 9 END);
ALTER TABLE "item_version"
    ADD CONSTRAINT "item_version_model_known" CHECK ("model" IN ('4PL', 'GRM', 'GPCM', 'PCM')),
    ADD CONSTRAINT "item_version_model_fields" CHECK (
        CASE WHEN "model" = '4PL' THEN "correct_key" IS NOT NULL AND COALESCE(array_length("thresholds", 1), 0) = 0
             ELSE "correct_key" IS NULL AND array_length("thresholds", 1) BETWEEN 1 AND 9 END);
ALTER TABLE "response" ADD CONSTRAINT "response_score_range" CHECK ("score" BETWEEN 0 AND 9);
