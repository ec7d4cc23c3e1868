import { CandidateItemView } from '../../item-banks/dto/item-bank.views.js';
import type { EstimatorName } from '../../irt/index.js';
import type { ExamStatusName, ExamStopReason } from '../../sessions/exam-session.repository.js';

/**
 * Response bodies of the exam and scoring routes. Classes (not interfaces) so that the OpenAPI document describes
 * them; the services build plain objects of these shapes.
 */

export type ExamStatusView = 'active' | 'completed' | 'expired';

export const STATUS_VIEW: Record<ExamStatusName, ExamStatusView> = {
  ACTIVE: 'active',
  COMPLETED: 'completed',
  EXPIRED: 'expired',
};

export class StartedExamView {
  examId!: string;
  /** The exam's bearer token: returned once, stored only as a hash. */
  token!: string;
  status!: 'active';
  item!: CandidateItemView;
  answered!: 0;
  theta!: number;
  se!: number;
  expiresAt!: Date;
}

export class ExamView {
  examId!: string;
  status!: ExamStatusView;
  answered!: number;
  theta!: number;
  se!: number;
  item!: CandidateItemView | null;
  /** When the exam expires if left idle; null once it is over. */
  expiresAt!: Date | null;
}

export class AnswerView {
  answered!: number;
  theta!: number;
  se!: number;
  done!: boolean;
  item!: CandidateItemView | null;
  /** MAX_ITEMS, SE_THRESHOLD or BANK_EXHAUSTED once done (FINISHED in the replay of a last answer after /finish). */
  stopReason?: ExamStopReason;
}

export class FinishView {
  status!: 'completed';
  answered!: number;
  theta!: number;
  se!: number;
}

export class ResponseView {
  seq!: number;
  itemId!: string;
  answer!: string;
  correct!: boolean;
  thetaAfter!: number;
  seAfter!: number;
  createdAt!: Date;
}

export class ResultView {
  examId!: string;
  bankId!: string;
  candidateId!: string;
  status!: ExamStatusView;
  answered!: number;
  theta!: number;
  se!: number;
  /** MAX_ITEMS, SE_THRESHOLD, BANK_EXHAUSTED or FINISHED once over; null while active. */
  stopReason!: ExamStopReason | null;
  startedAt!: Date;
  completedAt!: Date | null;
  /** Only with the admin key. */
  responses?: ResponseView[];
}

export class EstimateView {
  theta!: number;
  se!: number;
  estimatorUsed!: EstimatorName;
}
