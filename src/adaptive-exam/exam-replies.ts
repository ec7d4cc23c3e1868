import { classificationOf, type ExamConfig } from '../irt/index.js';
import type { BankSnapshot } from '../item-banks/bank-snapshots.js';
import type { CandidateItemView } from '../item-banks/dto/item-bank.views.js';
import { type ReportingScale, scaleScore } from '../item-banks/reporting-scale.js';
import type { AnswerView } from './dto/exam.views.js';
import type { OpenExam } from './exam-access.service.js';
import { feedbackFor } from './feedback.js';

/** The pieces of the exam routes' replies: what a candidate is shown of an answer, an item, a θ. */

/** An answer's reply, as the exam's feedback mode shows it (the same for the original and its replays). */
export function answerView(
  exam: OpenExam,
  reply: { answered: number; done: boolean; item: CandidateItemView | null; theta: number; se: number; stopReason: AnswerView['stopReason'] | null },
): AnswerView {
  const { answered, done, item, stopReason } = reply;
  const shown = exam.config.feedback === 'none' || !stopReason ? {} : { stopReason };
  return { answered, done, item, ...shown, ...feedbackFor(exam.config, reply) };
}

export function itemAt(bank: BankSnapshot, ordinal: number): CandidateItemView {
  const item = bank.content[ordinal];
  if (!item) throw new Error(`Item ${ordinal} of bank ${bank.bankId} v${bank.version} is missing`);
  return item;
}

/** θ on the bank's reporting scale, when it has one. */
export function scaled(scale: ReportingScale | null, theta: number): { scaledScore?: number; band?: { index: number; label: string } | null } {
  return scale ? scaleScore(scale, theta) : {};
}

/** The band θ falls in, when the exam classifies. */
export function classified(config: ExamConfig, theta: number): { classification?: { band: number; label: string | null } } {
  const classification = classificationOf(config, theta);
  return classification ? { classification } : {};
}
