// Public API of the framework-free IRT engine. Nothing here depends on Nest, Prisma or Redis.
export {
  DEFAULT_SCALING_CONSTANT,
  PROBABILITY_FLOOR,
  fastExp,
  information,
  probability,
  type ItemParameterArrays,
  type ItemParameters,
} from './model.js';
export {
  ItemBankSnapshot,
  MAX_AREAS,
  NO_AREA,
  createBankSnapshot,
  validateItemParameters,
  type BankItemInput,
  type BankSnapshotOptions,
  type FieldProblem,
} from './bank-snapshot.js';
export {
  DEFAULT_PRIOR,
  DEFAULT_QUADRATURE_POINTS,
  DEFAULT_THETA_RANGE,
  estimateAbility,
  estimateEap,
  estimateMap,
  estimateMle,
  isExtremePattern,
  quadratureGrid,
  type AbilityEstimate,
  type EstimationOptions,
  type EstimatorName,
  type NormalPrior,
  type QuadratureGrid,
} from './estimators.js';
export { MAX_SEED, createRng, randomSeed, rngForStep, stepSeed, type RandomSource } from './rng.js';
export {
  MAX_RANDOMESQUE,
  SYMPSON_HETTER_CANDIDATES,
  contentTargetsFor,
  selectNextItem,
  type SelectionOptions,
} from './selection.js';
export { DEFAULT_STOPPING_RULE, checkStopping, type StopReason, type StoppingRule } from './stopping.js';
export {
  ESTIMATORS,
  MAX_ABS_THETA,
  MAX_QUADRATURE_POINTS,
  MIN_PRIOR_SD,
  MIN_QUADRATURE_POINTS,
  resolveEstimationSettings,
  resolveExamConfig,
  validateEstimationSettings,
  validateExamConfig,
  type ExamConfig,
  type ExamConfigInput,
  type EstimationSettings,
  type EstimationSettingsInput,
  type SelectionConfig,
  type SelectionRuleName,
} from './exam-config.js';
export {
  estimateExam,
  estimateFromItemParameters,
  nextStep,
  type ExamHistoryEntry,
  type ExamStep,
  type NextStepOptions,
  type ParameterEstimationOptions,
} from './exam.js';
