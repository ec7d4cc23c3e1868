import { ApiProperty } from '@nestjs/swagger';
import { EXAMPLE } from '../../common/http/api-examples.js';
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
  @ApiProperty({ example: 5 })
  minItems?: number;
  /** With feedback `progress` or `theta`. */
  @ApiProperty({ example: 20 })
  maxItems?: number;
  /** With feedback `theta` only. */
  @ApiProperty({ example: 0.84 })
  theta?: number;
  /** With feedback `theta` only. */
  @ApiProperty({ example: 0.41 })
  se?: number;
}

export class StartedExamView extends CandidateFeedbackView {
  @ApiProperty({ example: EXAMPLE.examId })
  examId!: string;
  /** The exam's bearer token (opaque): returned once, stored only as a hash. */
  @ApiProperty({ example: EXAMPLE.examToken })
  token!: string;
  @ApiProperty({ example: 'active' })
  status!: 'active';
  item!: CandidateItemView;
  @ApiProperty({ example: 0 })
  answered!: 0;
  @ApiProperty({ example: EXAMPLE.expiresAt })
  expiresAt!: Date;
  /** With excludeSeenItems: how many items were left out, and whether enough remain for the exam's maxItems. */
  seenItems?: SeenItemsView;
}

export class SeenItemsView {
  /** Items this candidate answered in earlier exams on the bank, left out of this one. */
  @ApiProperty({ example: 34 })
  excluded!: number;
  /** Enabled items left to select from. */
  @ApiProperty({ example: 166 })
  remaining!: number;
  /** False when fewer than maxItems remain: the exam runs, and may end early with BANK_EXHAUSTED. */
  @ApiProperty({ example: true })
  enough!: boolean;
}

export class ExamView extends CandidateFeedbackView {
  @ApiProperty({ example: EXAMPLE.examId })
  examId!: string;
  @ApiProperty({ example: 'active' })
  status!: ExamStatusView;
  @ApiProperty({ example: 7 })
  answered!: number;
  item!: CandidateItemView | null;
  /** When the exam expires if left idle; null once it is over. */
  @ApiProperty({ example: EXAMPLE.expiresAt })
  expiresAt!: Date | null;
}

export class AnswerView extends CandidateFeedbackView {
  @ApiProperty({ example: 8 })
  answered!: number;
  @ApiProperty({ example: false })
  done!: boolean;
  item!: CandidateItemView | null;
  /** Once done, with feedback `progress` or `theta`: MAX_ITEMS, SE_THRESHOLD, CLASSIFIED or BANK_EXHAUSTED (FINISHED in the replay of a last answer after /finish). */
  @ApiProperty({ example: 'SE_THRESHOLD' })
  stopReason?: ExamStopReason;
}

export class FinishView {
  @ApiProperty({ example: 'completed' })
  status!: 'completed';
  @ApiProperty({ example: 12 })
  answered!: number;
  /** With feedback `theta` only. */
  @ApiProperty({ example: 0.91 })
  theta?: number;
  /** With feedback `theta` only. */
  @ApiProperty({ example: 0.29 })
  se?: number;
}

export class LaunchView {
  /** Single use: the candidate's browser sends it to POST /v1/exams, without a key. Shown once. */
  @ApiProperty({ example: EXAMPLE.launchToken })
  launchToken!: string;
  @ApiProperty({ example: EXAMPLE.expiresAt })
  expiresAt!: Date;
}

export class RevokedView {
  /** Exams whose token stopped working now. */
  @ApiProperty({ example: 1 })
  revoked!: number;
}

export class ResponseView {
  @ApiProperty({ example: 1 })
  seq!: number;
  @ApiProperty({ example: EXAMPLE.itemId })
  itemId!: string;
  /** The item version the answer was scored with (GET /v1/items/:itemId/versions has its parameters). */
  @ApiProperty({ example: 1 })
  itemVersion!: number;
  @ApiProperty({ example: 'B' })
  answer!: string;
  /** Full credit: the right option of a 4PL item, the top category of a polytomous one. */
  @ApiProperty({ example: true })
  correct!: boolean;
  /** 1/0 for a 4PL item, 0..k for a polytomous one. */
  @ApiProperty({ example: 1 })
  score!: number;
  /** An unscored pretest item's response: kept for calibration, no part of θ. */
  @ApiProperty({ example: false })
  pretest!: boolean;
  @ApiProperty({ example: 0.62 })
  thetaAfter!: number;
  @ApiProperty({ example: 0.88 })
  seAfter!: number;
  @ApiProperty({ example: EXAMPLE.startedAt })
  createdAt!: Date;
}

/** The result. With the exam token: what the feedback mode shows. With a client key (results:read) or admin: all. */
export class ClassificationView {
  /** How many cut scores θ reaches: 0 (below the first) to cutScores.length. */
  @ApiProperty({ example: 1 })
  band!: number;
  /** The band's label from config.classification.labels, null without labels. */
  @ApiProperty({ example: 'Pass' })
  label!: string | null;
}

export class BandView {
  /** Position in the scale's bands, from 0 (the lowest). */
  @ApiProperty({ example: 2 })
  index!: number;
  @ApiProperty({ example: 'Proficient' })
  label!: string;
}

export class ResultView {
  @ApiProperty({ example: EXAMPLE.examId })
  examId!: string;
  @ApiProperty({ example: 'completed' })
  status!: ExamStatusView;
  @ApiProperty({ example: 12 })
  answered!: number;
  @ApiProperty({ example: EXAMPLE.startedAt })
  startedAt!: Date;
  @ApiProperty({ example: EXAMPLE.completedAt })
  completedAt!: Date | null;
  /** With a key, or feedback `progress`/`theta`. MAX_ITEMS, SE_THRESHOLD, CLASSIFIED, BANK_EXHAUSTED or FINISHED once over. */
  @ApiProperty({ example: 'SE_THRESHOLD' })
  stopReason?: ExamStopReason | null;
  /** With a key, or feedback `theta`. */
  @ApiProperty({ example: 0.91 })
  theta?: number;
  /** With a key, or feedback `theta`. */
  @ApiProperty({ example: 0.29 })
  se?: number;
  /** With a key, or feedback `theta`, when the bank has a reporting scale: θ on it. */
  @ApiProperty({ example: 591 })
  scaledScore?: number;
  /** With scaledScore: the performance band it falls in (null when the scale has no bands). */
  band?: BandView | null;
  /** With config.classification (key, or feedback `theta`): the band θ falls in between the cut scores. */
  classification?: ClassificationView;
  /** With a key. */
  @ApiProperty({ example: EXAMPLE.bankId })
  bankId?: string;
  /** With a key. */
  @ApiProperty({ example: EXAMPLE.candidateId })
  candidateId?: string;
  /** With a key: the test definition and revision the exam was launched from (null: an ad-hoc config). */
  @ApiProperty({ example: EXAMPLE.testDefinitionId })
  testDefinitionId?: string | null;
  @ApiProperty({ example: 3 })
  testDefinitionRevision?: number | null;
  /** With a key: when its token was revoked. */
  @ApiProperty({ example: null })
  revokedAt?: Date | null;
  /** With a key. */
  responses?: ResponseView[];
}

export class EstimateView {
  @ApiProperty({ example: 0.37 })
  theta!: number;
  @ApiProperty({ example: 0.52 })
  se!: number;
  @ApiProperty({ example: 'EAP' })
  estimatorUsed!: EstimatorName;
}
