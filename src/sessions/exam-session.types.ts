import type { StopReason } from '../irt/index.js';
import type { ExamHotState } from './exam-state.js';

export type ExamStatusName = 'ACTIVE' | 'COMPLETED' | 'EXPIRED' | 'REVOKED';

/** Why an exam ended: a stopping rule, or the candidate's own finish. */
export type ExamStopReason = StopReason | 'FINISHED';

/** The parts of a session that never change after it starts (safe to cache in any process). */
export interface ExamMeta {
  id: string;
  bankId: string;
  /** The client whose candidate this is. */
  clientId: string;
  candidateId: string;
  tokenHash: string;
  config: unknown;
  /** The engine's uint32 seed (stored as a signed int4). */
  seed: number;
  /** Null for an exam started from an ad-hoc config (it never writes the candidate's proficiency). */
  testDefinitionId: string | null;
  testDefinitionRevision: number | null;
  /** The bank version whose item versions the exam scores and selects with. */
  bankVersion: number;
  /** Item ordinals never selected in this exam (seen in the candidate's earlier exams). */
  excludedItems: number[];
}

/** How and when an exam stopped taking answers, as its token's lifetime needs it. */
export interface ExamEnding {
  status: ExamStatusName;
  completedAt: Date | null;
  lastActivityAt: Date;
  /** ACTIVE but idle past the TTL (expired, not yet marked so). */
  idle: boolean;
  /** Set by a revocation (an active exam is then REVOKED; an ended one keeps its status). */
  revokedAt: Date | null;
}

/** The mutable row with its response history, read in one statement (a consistent snapshot). */
export interface StoredExamState extends ExamHotState, ExamEnding {
  answered: number;
  stopReason: ExamStopReason | null;
  startedAt: Date;
}

export interface NewSession {
  id: string;
  bankId: string;
  clientId: string;
  candidateId: string;
  tokenHash: string;
  config: object;
  seed: number;
  theta: number;
  se: number;
  currentItem: number;
  testDefinitionId: string | null;
  testDefinitionRevision: number | null;
  bankVersion: number;
  excludedItems: readonly number[];
}

export interface AnswerWrite {
  examId: string;
  /** The version the new state was computed from (optimistic check). */
  expectedVersion: number;
  itemId: string;
  answer: string;
  /** Full credit (the right option of a 4PL item, the top category of a polytomous one). */
  correct: boolean;
  /** 1/0 for a 4PL item, 0..k for a polytomous one. */
  score: number;
  /** An unscored pretest item: kept, no part of θ. */
  pretest: boolean;
  /** The version of the item it was scored with. */
  itemVersion: number;
  theta: number;
  se: number;
  nextItem: number | null;
  stopReason: StopReason | null;
  /** Redis unavailable: take `pg_try_advisory_xact_lock` in place of the Redis lock. */
  advisoryLock: boolean;
}

export interface StoredResponse {
  seq: number;
  itemId: string;
  /** The item version it was scored with (see GET /v1/items/:itemId/versions). */
  itemVersion: number;
  answer: string;
  correct: boolean;
  score: number;
  pretest: boolean;
  thetaAfter: number;
  seAfter: number;
  createdAt: Date;
}

/** An earlier response with what its original reply needs: the item shown after it, and the session now. */
export interface ReplaySource extends StoredResponse, ExamEnding {
  nextItemId: string | null;
  currentItem: number | null;
  stopReason: ExamStopReason | null;
}

export interface TouchedExam {
  theta: number;
  se: number;
  answered: number;
  currentItem: number | null;
  lastActivityAt: Date;
}
