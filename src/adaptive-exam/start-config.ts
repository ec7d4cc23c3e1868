import { validationFailed } from '../common/http/validation.js';
import { type ExamConfig, type ExamConfigInput, resolveExamConfig, validateExamConfig } from '../irt/index.js';
import { type ExamConfigDto, type FeedbackMode, LAST_PROFICIENCY } from './dto/exam.dto.js';

/** An exam's config as stored with it: the engine's, and what the candidate is shown. */
export interface LaunchConfig extends ExamConfig {
  feedback: FeedbackMode;
}

export const DEFAULT_FEEDBACK: FeedbackMode = 'progress';

/**
 * The full config of a new exam from a client's input: defaults filled, `startTheta: "lastProficiency"` resolved
 * to a number (stored with the session, so the exam replays identically), everything validated (problems named
 * `config.<field>`).
 */
export async function resolveStartConfig(input: ExamConfigDto | undefined, lastProficiency: () => Promise<number | null>): Promise<LaunchConfig> {
  const config = resolveInput(input);
  if (input?.startTheta === LAST_PROFICIENCY) {
    const theta = await lastProficiency();
    // A stored θ from an earlier exam may lie outside this exam's range: start at the nearest bound.
    if (theta !== null) config.startTheta = Math.min(config.thetaRange[1], Math.max(config.thetaRange[0], theta));
  }
  assertValid(config);
  return config;
}

/** Checks a config as a test definition stores it (`lastProficiency` stays a name until launch). */
export function assertValidConfigInput(input: ExamConfigDto): void {
  assertValid(resolveInput(input));
}

function resolveInput(input: ExamConfigDto | undefined): LaunchConfig {
  const { startTheta, feedback, ...rest } = input ?? {};
  const config: LaunchConfig = { ...resolveExamConfig(rest as ExamConfigInput), feedback: feedback ?? DEFAULT_FEEDBACK };
  if (typeof startTheta === 'number') config.startTheta = startTheta;
  return config;
}

function assertValid(config: ExamConfig): void {
  const problems = validateExamConfig(config);
  if (problems.length > 0) throw validationFailed(problems.map((p) => ({ field: `config.${p.field}`, message: p.message })));
}
