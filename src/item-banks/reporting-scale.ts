/**
 * A bank's reporting scale: a linear transformation of θ into the score a programme reports, rounded and bounded,
 * with labelled performance bands. Pure: the result routes apply it to an exam's θ.
 */
export interface ReportingScale {
  slope: number;
  intercept: number;
  /** Decimal places of the reported score, 0 to 6. */
  decimals: number;
  /** Bounds of the reported score (the scale's floor and ceiling); null for none. */
  min: number | null;
  max: number | null;
  /** Performance bands in increasing order of their lowest scaled score; the first applies below every min. */
  bands: { min: number; label: string }[];
}

export interface ScaledResult {
  scaledScore: number;
  /** The band the score falls in (its index in `bands` and its label), null when the scale has no bands. */
  band: { index: number; label: string } | null;
}

export const MAX_BANDS = 20;
export const MAX_DECIMALS = 6;

/** θ on the bank's reporting scale: slope·θ + intercept, rounded to `decimals`, clamped to [min, max]. */
export function scaleScore(scale: ReportingScale, theta: number): ScaledResult {
  const factor = 10 ** scale.decimals;
  let scaledScore = Math.round((scale.slope * theta + scale.intercept) * factor) / factor;
  if (scale.min !== null) scaledScore = Math.max(scale.min, scaledScore);
  if (scale.max !== null) scaledScore = Math.min(scale.max, scaledScore);
  let band: ScaledResult['band'] = null;
  scale.bands.forEach(({ min, label }, index) => {
    if (index === 0 || scaledScore >= min) band = { index, label };
  });
  return { scaledScore, band };
}

/** Problems with a scale the DTO has shaped (names relative to `reportingScale`); empty when valid. */
export function reportingScaleProblems(scale: ReportingScale): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  if (scale.slope === 0) problems.push({ field: 'slope', message: 'must not be 0' });
  if (scale.min !== null && scale.max !== null && scale.min >= scale.max) problems.push({ field: 'max', message: 'must be greater than min' });
  scale.bands.forEach((band, i) => {
    if (i > 0 && band.min <= scale.bands[i - 1].min) problems.push({ field: `bands.${i}.min`, message: `must be greater than bands.${i - 1}.min` });
  });
  return problems;
}
