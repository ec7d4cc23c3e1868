import type { ExamStatusName } from '../../sessions/exam-session.repository.js';
import { OptionDto } from './item-bank.dto.js';

/**
 * Response bodies of the v1 API. Classes (not interfaces) so that the OpenAPI document describes them;
 * the services build plain objects of these shapes.
 */

export type ExamStatusView = 'active' | 'completed' | 'expired';

export const STATUS_VIEW: Record<ExamStatusName, ExamStatusView> = {
  ACTIVE: 'active',
  COMPLETED: 'completed',
  EXPIRED: 'expired',
};

/** An item as a candidate sees it: never the correct key, never the IRT parameters. */
export class CandidateItemView {
  id!: string;
  stem!: string;
  options!: OptionDto[];
}

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
  /** MAX_ITEMS, SE_THRESHOLD, BANK_EXHAUSTED or FINISHED, once done. */
  stopReason?: string;
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
  stopReason!: string | null;
  startedAt!: Date;
  completedAt!: Date | null;
  /** Only with the admin key. */
  responses?: ResponseView[];
}

export class BankView {
  id!: string;
  name!: string;
  itemCount!: number;
  version!: number;
}

export class CreatedBankView extends BankView {
  createdAt!: Date;
}

export class ImportResultView {
  created!: number;
  bankVersion!: number;
}

/** An item as an admin sees it: everything, including the key and the IRT parameters. */
export class ItemView {
  id!: string;
  bankId!: string;
  externalId!: string;
  ordinal!: number;
  stem!: string;
  options!: OptionDto[];
  correctKey!: string;
  a!: number;
  b!: number;
  c!: number;
  d!: number;
  contentArea!: string | null;
  enabled!: boolean;
  createdAt!: Date;
  updatedAt!: Date;
}

export class ItemPageView {
  items!: ItemView[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor!: string | null;
}

export class EstimateView {
  theta!: number;
  se!: number;
  estimatorUsed!: 'EAP' | 'MAP' | 'MLE';
}

export class RedisStatsView {
  connected!: boolean;
  usedMemoryBytes!: number | null;
  /** Redis operations this instance served from Postgres instead. */
  fallbacks!: number;
}

/** Item-content cache reads of this instance (per-tier counts and load times are in /metrics too). */
export class CacheTierStatsView {
  hits!: number;
  misses!: number;
  /** Reads served straight from Postgres because Redis was down or over the budget. */
  bypasses!: number;
  /** Loader calls (one per entry at a time, however many reads missed together). */
  loads!: number;
  /** Total time spent in loaders. */
  loadMs!: number;
  avgLoadMs!: number;
  /** Write-backs to Redis that failed (the read itself was still answered). */
  writeFailures!: number;
}

/** Counters per cache tier, named by purpose. */
export class CacheTiersView {
  /** Item content served to candidates (stem and options, never keys). */
  'item-content'!: CacheTierStatsView;
}

export class CacheStatsView {
  hits!: number;
  misses!: number;
  hitRate!: number;
  /** Reads served straight from Postgres because Redis was down or over the budget. */
  bypasses!: number;
  tiers!: CacheTiersView;
}

export class StatsView {
  /** ACTIVE sessions in Postgres (fleet-wide). */
  activeSessions!: number;
  /** Exam locks held by this instance right now (no Redis scan on a request path). */
  locksHeld!: number;
  redis!: RedisStatsView;
  cache!: CacheStatsView;
}

export class CleanupView {
  expired!: number;
}
