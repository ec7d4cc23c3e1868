// Public API of the framework-free IRT engine. Nothing here depends on Nest, Prisma or Redis.

// Items and banks: 4PL, GRM, GPCM and PCM items, scored 0..categories − 1.
export { ITEM_MODELS, ItemBankSnapshot, type ItemModel } from './bank-snapshot.js';
export { createBankSnapshot } from './create-bank-snapshot.js';
export type { FieldProblem } from './field-problems.js';
export { fourPlColumns, type ItemModelColumns, type ItemUsageColumns } from './item-columns.js';
export { validateItemParameters, type BankItemInput, type ItemParameterInput } from './item-parameters.js';
export { information, type ItemParameters } from './model.js';
export { categoryProbabilities, itemInformation, itemWleWeight } from './polytomous.js';

// Estimation: EAP, MAP, MLE and WLE over any mix of models.
export {
  estimateAbility,
  estimateEap,
  type AbilityEstimate,
  type EstimationOptions,
  type Estimator,
  type EstimatorName,
  type NormalPrior,
} from './estimators.js';

// Exams: their configuration, and one step at a time (estimate, stop or select).
export {
  ESTIMATORS,
  resolveEstimationSettings,
  resolveExamConfig,
  validateEstimationSettings,
  validateExamConfig,
  type EstimationSettings,
  type ExamConfig,
  type ExamConfigInput,
  type SelectionTarget,
} from './exam-config.js';
export { estimateFromItemParameters, nextStep, type ExamHistoryEntry, type ExamStep, type NextStepOptions } from './exam.js';
export { selectNextItem } from './selection.js';

// Classification testing (cut scores, CI and SPRT stopping) and pretest items.
export {
  classificationOf,
  type Classification,
  type ClassificationConfig,
  type ClassificationInput,
  type ClassificationMethod,
} from './classification.js';
export { pretestPositions, type PretestConfig } from './pretest.js';

// Exposure control: item eligibility from live counts, Sympson–Hetter calibration, test overlap.
export { eligibilityProbabilities, exposureDraw, markEligible, testOverlapRate, type ExposureCounts } from './exposure.js';
export {
  sympsonHetterCalibration,
  type SympsonHetterOptions,
  type SympsonHetterProgress,
  type SympsonHetterResult,
} from './sympson-hetter.js';
export { createRng, randomSeed, type RandomSource } from './rng.js';
export type { StopReason } from './stopping.js';
