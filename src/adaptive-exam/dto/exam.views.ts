import { CandidateItemView } from '../../item-banks/dto/item-bank.views.js';
import type { EstimatorName } from '../../irt/index.js';
import type { ExamStatusName, ExamStopReason } from '../../sessions/exam-session.repository.js';

/**
 * Response bodies of the exam and scoring routes. Classes (not interfaces) so that the OpenAPI document describes
 * them; the services build plain objects of these shapes. What a candidate sees of the estimate follows the exam's
 * `feedback` mode: `minItems`/`maxItems` with `progress` and `theta`, `theta`/`se` with `theta` only.
 */

export type ExamStatusView = 'active' | 'completed' | 'expired' | 'revoked';

export const STATUS_VIEW: Record<ExamStatusName, ExamStatusView> = {
  ACTIVE: 'active',
  COMPLETED: 'completed',
  EXPIRED: 'expired',
  REVOKED: 'revoked',
};

/** The parts of a candidate's view that its exam's feedback mode decides. */
export class CandidateFeedbackView {
  /** With feedback `progress` or `theta`. */
  minItems?: number;
  /** With feedback `progress` or `theta`. */
  maxItems?: number;
  /** With feedback `theta` only. */
  theta?: number;
  /** With feedback `theta` only. */
  se?: number;
}

export class StartedExamView extends CandidateFeedbackView {
  examId!: string;
  /** The exam's bearer token (opaque): returned once, stored only as a hash. */
  token!: string;
  status!: 'active';
  item!: CandidateItemView;
  answered!: 0;
  expiresAt!: Date;
  /** With excludeSeenItems: how many items were left out, and whether enough remain for the exam's maxItems. */
  seenItems?: SeenItemsView;
}

export class SeenItemsView {
  /** Items this candidate answered in earlier exams on the bank, left out of this one. */
  excluded!: number;
  /** Enabled items left to select from. */
  remaining!: number;
  /** False when fewer than maxItems remain: the exam runs, and may end early with BANK_EXHAUSTED. */
  enough!: boolean;
}

export class ExamView extends CandidateFeedbackView {
  examId!: string;
  status!: ExamStatusView;
  answered!: number;
  item!: CandidateItemView | null;
  /** When the exam expires if left idle; null once it is over. */
  expiresAt!: Date | null;
}

export class AnswerView extends CandidateFeedbackView {
  answered!: number;
  done!: boolean;
  item!: CandidateItemView | null;
  /** Once done, with feedback `progress` or `theta`: MAX_ITEMS, SE_THRESHOLD, CLASSIFIED or BANK_EXHAUSTED (FINISHED in the replay of a last answer after /finish). */
  stopReason?: ExamStopReason;
}

export class FinishView {
  status!: 'completed';
  answered!: number;
  /** With feedback `theta` only. */
  theta?: number;
  /** With feedback `theta` only. */
  se?: number;
}

export class LaunchView {
  /** Single use: the candidate's browser sends it to POST /v1/exams, without a key. Shown once. */
  launchToken!: string;
  expiresAt!: Date;
}

export class RevokedView {
  /** Exams whose token stopped working now. */
  revoked!: number;
}

export class ResponseView {
  seq!: number;
  itemId!: string;
  /** The item version the answer was scored with (GET /v1/items/:itemId/versions has its parameters). */
  itemVersion!: number;
  answer!: string;
  /** Full credit: the right option of a 4PL item, the top category of a polytomous one. */
  correct!: boolean;
  /** 1/0 for a 4PL item, 0..k for a polytomous one. */
  score!: number;
  /** An unscored pretest item's response: kept for calibration, no part of θ. */
  pretest!: boolean;
  thetaAfter!: number;
  seAfter!: number;
  createdAt!: Date;
}

/** The result. With the exam token: what the feedback mode shows. With a client key (results:read) or admin: all. */
export class ClassificationView {
  /** How many cut scores θ reaches: 0 (below the first) to cutScores.length. */
  band!: number;
  /** The band's label from config.classification.labels, null without labels. */
  label!: string | null;
}

export class BandView {
  /** Position in the scale's bands, from 0 (the lowest). */
  index!: number;
  label!: string;
}

export class ResultView {
  examId!: string;
  status!: ExamStatusView;
  answered!: number;
  startedAt!: Date;
  completedAt!: Date | null;
  /** With a key, or feedback `progress`/`theta`. MAX_ITEMS, SE_THRESHOLD, CLASSIFIED, BANK_EXHAUSTED or FINISHED once over. */
  stopReason?: ExamStopReason | null;
  /** With a key, or feedback `theta`. */
  theta?: number;
  /** With a key, or feedback `theta`. */
  se?: number;
  /** With a key, or feedback `theta`, when the bank has a reporting scale: θ on it. */
  scaledScore?: number;
  /** With scaledScore: the performance band it falls in (null when the scale has no bands). */
  band?: BandView | null;
  /** With config.classification (key, or feedback `theta`): the band θ falls in between the cut scores. */
  classification?: ClassificationView;
  /** With a key. */
  bankId?: string;
  /** With a key. */
  candidateId?: string;
  /** With a key: the test definition and revision the exam was launched from (null: an ad-hoc config). */
  testDefinitionId?: string | null;
  testDefinitionRevision?: number | null;
  /** With a key: when its token was revoked. */
  revokedAt?: Date | null;
  /** With a key. */
  responses?: ResponseView[];
}

export class EstimateView {
  theta!: number;
  se!: number;
  estimatorUsed!: EstimatorName;
}
