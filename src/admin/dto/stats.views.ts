import { ApiProperty } from '@nestjs/swagger';

export class RedisStatsView {
  @ApiProperty({ example: true })
  connected!: boolean;
  @ApiProperty({ example: 18874368 })
  usedMemoryBytes!: number | null;
  /** Redis operations this instance served from Postgres instead. */
  @ApiProperty({ example: 0 })
  fallbacks!: number;
}

/** The item banks this instance holds in memory (parameters, keys and candidate-visible content). */
export class BankSnapshotStatsView {
  @ApiProperty({ example: 3 })
  banks!: number;
  @ApiProperty({ example: 1240 })
  items!: number;
  /** Approximate bytes they take. */
  @ApiProperty({ example: 2457600 })
  bytes!: number;
  /** Snapshot builds since start-up: a bank's first use here, or a new version of it (import, PATCH). */
  @ApiProperty({ example: 5 })
  loads!: number;
  @ApiProperty({ example: 42.5 })
  avgLoadMs!: number;
}

/** The facts of running exams (ids, token hashes, configs) this instance keeps in memory, within 32 MB. */
export class ExamCacheStatsView {
  @ApiProperty({ example: 312 })
  exams!: number;
  /** Approximate bytes they take. */
  @ApiProperty({ example: 524288 })
  bytes!: number;
}

export class StatsView {
  /** ACTIVE sessions in Postgres (fleet-wide). */
  @ApiProperty({ example: 1287 })
  activeSessions!: number;
  /** Exam locks held by this instance right now (no Redis scan on a request path). */
  @ApiProperty({ example: 2 })
  locksHeld!: number;
  redis!: RedisStatsView;
  bankSnapshots!: BankSnapshotStatsView;
  examCache!: ExamCacheStatsView;
}

export class CleanupView {
  @ApiProperty({ example: 14 })
  expired!: number;
}

/** What a retention purge deleted. */
export class PurgeView {
  /** Retention in days (RETENTION_DAYS); 0 means it is off and nothing was deleted. */
  @ApiProperty({ example: 365 })
  retentionDays!: number;
  /** Exams deleted, with their responses. */
  @ApiProperty({ example: 5210 })
  exams!: number;
  /** Expired launch tokens deleted. */
  @ApiProperty({ example: 188 })
  launches!: number;
}
