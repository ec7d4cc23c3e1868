import fc from 'fast-check';
import { createBankSnapshot, type BankItemInput, type EstimatorName } from '../../src/irt/index.js';
import { itemArbitrary, polytomousItemArbitrary } from './irt-reference.js';

/** What the polytomous specs (src/irt/polytomous*.spec.ts) share: the estimators they run, their items and banks. */

export const ESTIMATORS: EstimatorName[] = ['EAP', 'MAP', 'MLE', 'WLE'];

/** A GRM, GPCM or PCM item, or a 4PL one. */
export const anyItemArbitrary = fc.oneof(
  polytomousItemArbitrary,
  itemArbitrary.map((item): BankItemInput => item),
);

/** Single-item bank. */
export function bankOf(item: BankItemInput) {
  return createBankSnapshot([item]);
}
