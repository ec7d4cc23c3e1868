/** Why an exam ended. */
export type StopReason = 'MAX_ITEMS' | 'CLASSIFIED' | 'SE_THRESHOLD' | 'BANK_EXHAUSTED';

export interface StoppingRule {
  /** Never stop on precision (or classification) before this many scored answers. Default 1. */
  minItems: number;
  /** Hard cap on test length, in scored answers. Default 20. */
  maxItems: number;
  /** Stop once SE ≤ this (after minItems). 0 means fixed length. Default 0.3. */
  seThreshold: number;
}

export const DEFAULT_STOPPING_RULE: Readonly<StoppingRule> = Object.freeze({ minItems: 1, maxItems: 20, seThreshold: 0.3 });

/**
 * Length/precision stopping check, done before selecting the next item. `answered` counts scored answers only
 * (pretest items are not), `classified` tells whether the classification rule (`classification.ts`) has decided
 * every cut score. Order: MAX_ITEMS, then CLASSIFIED and SE_THRESHOLD (both only once answered ≥ minItems), so an
 * exam that reaches its maximum length reports MAX_ITEMS even when it is classified too, and one both classified and
 * precise reports CLASSIFIED.
 * Bank exhaustion is detected by selection (no eligible item) and reported as BANK_EXHAUSTED by the caller.
 */
export function checkStopping(answered: number, se: number, rule: StoppingRule, classified = false): StopReason | null {
  if (answered >= rule.maxItems) return 'MAX_ITEMS';
  if (classified && answered >= rule.minItems) return 'CLASSIFIED';
  if (rule.seThreshold > 0 && answered >= rule.minItems && se <= rule.seThreshold) return 'SE_THRESHOLD';
  return null;
}
