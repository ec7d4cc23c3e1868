-- A bank may define how results report θ: a linear scale with rounding, bounds and labelled performance bands.
ALTER TABLE "item_bank" ADD COLUMN     "reporting_scale" JSONB;
