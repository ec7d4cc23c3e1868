import { validationFailed } from '../common/http/validation.js';
import { type ExamConfig, type ExamConfigInput, resolveExamConfig, validateExamConfig } from '../irt/index.js';
import { type ExamConfigDto, LAST_PROFICIENCY } from './dto/exam.dto.js';

/**
 * The full config of a new exam from what the client sent: defaults filled, `startTheta: "lastProficiency"`
 * resolved to a number (stored with the session, so the exam replays identically), everything validated.
 */
export async function resolveStartConfig(input: ExamConfigDto | undefined, lastProficiency: () => Promise<number | null>): Promise<ExamConfig> {
  const { startTheta, ...rest } = input ?? {};
  const config = resolveExamConfig(rest as ExamConfigInput);
  if (typeof startTheta === 'number') config.startTheta = startTheta;
  else if (startTheta === LAST_PROFICIENCY) {
    const theta = await lastProficiency();
    // A stored θ from an earlier exam may lie outside this exam's range: start at the nearest bound.
    if (theta !== null) config.startTheta = Math.min(config.thetaRange[1], Math.max(config.thetaRange[0], theta));
  }
  const problems = validateExamConfig(config);
  if (problems.length > 0) throw validationFailed(problems.map((p) => ({ field: `config.${p.field}`, message: p.message })));
  return config;
}
