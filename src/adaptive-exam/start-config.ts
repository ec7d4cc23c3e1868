import { validationFailed } from '../common/http/validation.js';
import { type ExamConfig, type ExamConfigInput, resolveExamConfig, validateExamConfig } from '../irt/index.js';
import { type ExamConfigDto, type FeedbackMode, LAST_PROFICIENCY } from './dto/exam.dto.js';

/** An exam's config as stored with it: the engine's, and what the candidate is shown. */
export interface LaunchConfig extends ExamConfig {
  feedback: FeedbackMode;
  /** Items the candidate answered in earlier exams on the bank are never selected (set only when asked for). */
  excludeSeenItems?: boolean;
}

export const DEFAULT_FEEDBACK: FeedbackMode = 'progress';

/**
 * The full config of a new exam from a client's input: defaults filled, `startTheta: "lastProficiency"` resolved
 * to a number (stored with the session, so the exam replays identically), everything validated against the bank
 * (problems named `config.<field>`).
 */
export async function resolveStartConfig(
  input: ExamConfigDto | undefined,
  bankAreas: readonly string[],
  lastProficiency: () => Promise<number | null>,
): Promise<LaunchConfig> {
  const config = resolveInput(input);
  assertValid(config, bankAreas);
  if (input?.startTheta === LAST_PROFICIENCY) {
    const theta = await lastProficiency();
    // A stored θ from an earlier exam may lie outside this exam's range: start at the nearest bound.
    if (theta !== null) config.startTheta = Math.min(config.thetaRange[1], Math.max(config.thetaRange[0], theta));
  }
  return config;
}

/** Checks a config as a test definition stores it (`lastProficiency` stays a name until launch). */
export function assertValidConfigInput(input: ExamConfigDto, bankAreas: readonly string[]): void {
  assertValid(resolveInput(input), bankAreas);
}

function resolveInput(input: ExamConfigDto | undefined): LaunchConfig {
  const { startTheta, feedback, excludeSeenItems, ...rest } = input ?? {};
  const config: LaunchConfig = { ...resolveExamConfig(rest as ExamConfigInput), feedback: feedback ?? DEFAULT_FEEDBACK };
  if (typeof startTheta === 'number') config.startTheta = startTheta;
  if (excludeSeenItems) config.excludeSeenItems = true;
  return config;
}

/** The engine's checks, then: content areas the bank has (an unknown one could never be balanced). */
function assertValid(config: ExamConfig, bankAreas: readonly string[]): void {
  const problems = validateExamConfig(config);
  if (problems.length === 0 && config.selection.contentBalance) {
    for (const area of Object.keys(config.selection.contentBalance)) {
      if (!bankAreas.includes(area)) problems.push({ field: `selection.contentBalance.${area}`, message: 'is not a content area of the bank' });
    }
  }
  if (problems.length > 0) throw validationFailed(problems.map((p) => ({ field: `config.${p.field}`, message: p.message })));
}
