export class RedisStatsView {
  connected!: boolean;
  usedMemoryBytes!: number | null;
  /** Redis operations this instance served from Postgres instead. */
  fallbacks!: number;
}

/** The item banks this instance holds in memory (parameters, keys and candidate-visible content). */
export class BankSnapshotStatsView {
  banks!: number;
  items!: number;
  /** Approximate bytes they take. */
  bytes!: number;
  /** Snapshot builds since start-up: a bank's first use here, or a new version of it (import, PATCH). */
  loads!: number;
  avgLoadMs!: number;
}

/** The facts of running exams (ids, token hashes, configs) this instance keeps in memory, within 32 MB. */
export class ExamCacheStatsView {
  exams!: number;
  /** Approximate bytes they take. */
  bytes!: number;
}

export class StatsView {
  /** ACTIVE sessions in Postgres (fleet-wide). */
  activeSessions!: number;
  /** Exam locks held by this instance right now (no Redis scan on a request path). */
  locksHeld!: number;
  redis!: RedisStatsView;
  bankSnapshots!: BankSnapshotStatsView;
  examCache!: ExamCacheStatsView;
}

export class CleanupView {
  expired!: number;
}

/** What a retention purge deleted. */
export class PurgeView {
  /** Retention in days (RETENTION_DAYS); 0 means it is off and nothing was deleted. */
  retentionDays!: number;
  /** Exams deleted, with their responses. */
  exams!: number;
  /** Expired launch tokens deleted. */
  launches!: number;
}
