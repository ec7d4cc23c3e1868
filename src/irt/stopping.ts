/** Why an exam ended. */
export type StopReason = 'MAX_ITEMS' | 'SE_THRESHOLD' | 'BANK_EXHAUSTED';

export interface StoppingRule {
  /** Never stop on precision before this many answers. Default 1. */
  minItems: number;
  /** Hard cap on test length. Default 20. */
  maxItems: number;
  /** Stop once SE ≤ this (after minItems). 0 means fixed length. Default 0.3. */
  seThreshold: number;
}

export const DEFAULT_STOPPING_RULE: Readonly<StoppingRule> = Object.freeze({ minItems: 1, maxItems: 20, seThreshold: 0.3 });

/**
 * Length/precision stopping check, done before selecting the next item.
 * Bank exhaustion is detected by selection (no eligible item) and reported as BANK_EXHAUSTED by the caller.
 */
export function checkStopping(answered: number, se: number, rule: StoppingRule): StopReason | null {
  if (answered >= rule.maxItems) return 'MAX_ITEMS';
  if (rule.seThreshold > 0 && answered >= rule.minItems && se <= rule.seThreshold) return 'SE_THRESHOLD';
  return null;
}
