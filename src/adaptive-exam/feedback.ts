import type { FeedbackMode } from './dto/exam.dto.js';

/**
 * What a candidate is shown of the estimate, by the exam's `feedback` mode. θ that moves after every answer tells
 * a candidate which answers were right (in a high-stakes exam, with the item in front of them, that is the key),
 * so `theta` must be asked for; `progress` shows the exam's length bounds; `none` only what was answered and when
 * it is done. Clients and admins read θ, SE and every response from the result with their key.
 */
export interface CandidateFeedback {
  minItems?: number;
  maxItems?: number;
  theta?: number;
  se?: number;
}

export function feedbackFor(
  config: { feedback: FeedbackMode; minItems: number; maxItems: number },
  estimate: { theta: number; se: number },
): CandidateFeedback {
  switch (config.feedback) {
    case 'none':
      return {};
    case 'progress':
      return { minItems: config.minItems, maxItems: config.maxItems };
    case 'theta':
      return { minItems: config.minItems, maxItems: config.maxItems, theta: estimate.theta, se: estimate.se };
  }
}
