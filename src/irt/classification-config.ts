/** Validation of an exam config's `classification` (see classification.ts for the rules themselves). */
import {
  CLASSIFICATION_METHODS,
  MAX_CONFIDENCE,
  MAX_CUT_SCORES,
  MAX_INDIFFERENCE,
  MAX_LABEL_LENGTH,
  MIN_CONFIDENCE,
  type ClassificationConfig,
} from './classification.js';
import { isFiniteNumber, type AddProblem } from './field-problems.js';

export function validateClassification(classification: ClassificationConfig, [lo, hi]: [number, number], add: AddProblem): void {
  if (typeof classification !== 'object' || classification === null) {
    add('classification', 'must be an object with cutScores');
    return;
  }
  const { cutScores, confidence, method, indifference, labels } = classification;
  if (!Array.isArray(cutScores) || cutScores.length < 1 || cutScores.length > MAX_CUT_SCORES) {
    add('classification.cutScores', `must hold 1 to ${MAX_CUT_SCORES} cut scores`);
  } else {
    const rangeValid = isFiniteNumber(lo) && isFiniteNumber(hi) && lo < hi;
    for (let j = 0; j < cutScores.length; j++) {
      const cut: unknown = cutScores[j];
      const field = `classification.cutScores.${j}`;
      if (!isFiniteNumber(cut)) add(field, 'must be a finite number');
      else if (j > 0 && isFiniteNumber(cutScores[j - 1]) && !(cut > cutScores[j - 1])) add(field, `must be greater than classification.cutScores.${j - 1}`);
      else if (rangeValid && (cut < lo || cut > hi)) add(field, 'must lie within thetaRange');
    }
  }
  if (!isFiniteNumber(confidence) || confidence < MIN_CONFIDENCE || confidence > MAX_CONFIDENCE) {
    add('classification.confidence', `must be a number in [${MIN_CONFIDENCE}, ${MAX_CONFIDENCE}]`);
  }
  if (!CLASSIFICATION_METHODS.includes(method)) add('classification.method', `must be one of ${CLASSIFICATION_METHODS.join(', ')}`);
  if (!isFiniteNumber(indifference) || indifference <= 0 || indifference > MAX_INDIFFERENCE) {
    add('classification.indifference', `must be a number in (0, ${MAX_INDIFFERENCE}]`);
  }
  if (labels !== undefined) {
    const bands = Array.isArray(cutScores) ? cutScores.length + 1 : NaN;
    if (!Array.isArray(labels) || labels.length !== bands) {
      add('classification.labels', `must hold one label per band: cutScores.length + 1${Number.isNaN(bands) ? '' : ` = ${bands}`} strings`);
    } else {
      for (let j = 0; j < labels.length; j++) {
        const label: unknown = labels[j];
        if (typeof label !== 'string' || label.length === 0 || label.length > MAX_LABEL_LENGTH) {
          add(`classification.labels.${j}`, `must be a string of 1 to ${MAX_LABEL_LENGTH} characters`);
        }
      }
    }
  }
}
