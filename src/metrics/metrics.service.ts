import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What the active-exams gauge reads (fleet-wide count from Postgres), at most every ACTIVE_EXAMS_REFRESH_MS. */
export type ActiveExamsSource = () => Promise<number>;

/** What the bank-snapshot gauges read at scrape time (this instance's memory). */
export type BankSnapshotSource = () => { banks: number; bytes: number };

/** What the Postgres pool gauges read at scrape time (this instance's pool). */
export type PoolSource = () => { total: number; idle: number; waiting: number; max: number };

/** Whether the shared Redis client is connected and ready, read at scrape time. */
export type RedisUpSource = () => boolean;

/** A scrape reuses the active-exams count this long: the COUNT is not run per scrape (nor per instance per scrape). */
export const ACTIVE_EXAMS_REFRESH_MS = 30_000;

/**
 * The service's Prometheus metrics, on a registry of its own (several app instances in one process, as in
 * tests, must not collide on prom-client's global registry). Modules call the named methods below; raw
 * prom-client objects stay in here.
 */
@Injectable()
export class MetricsService {
  private readonly registry = new Registry();
  private activeExamsSource?: ActiveExamsSource;
  private bankSnapshotSource?: BankSnapshotSource;
  private poolSource?: PoolSource;
  private redisUpSource?: RedisUpSource;

  private readonly httpRequestDuration = new Histogram({
    name: 'cat_http_request_duration_seconds',
    help: 'HTTP request duration by route pattern, method and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  /** Bounded: route patterns and status codes are finite (unmatched URLs share one label). */
  private readonly httpSeries = new Map<string, { observe(value: number): void }>();

  private readonly answersAccepted = this.counter('cat_answers_accepted_total', 'Answers recorded in Postgres');
  private readonly examsStarted = this.counter('cat_exams_started_total', 'Exams started');
  private readonly examsCompleted = this.counter('cat_exams_completed_total', 'Exams completed (stopping rule or finish)');
  private readonly examsExpired = this.counter('cat_exams_expired_total', 'Exams expired after being idle');
  private readonly lockContention = this.counter(
    'cat_lock_contention_total',
    'Submissions refused with SUBMISSION_IN_PROGRESS because another held the exam',
  );
  private readonly redisFallbacks = this.counter(
    'cat_redis_fallbacks_total',
    'Redis operations that failed and were served from Postgres instead, by operation',
    'operation',
  );
  private readonly bankSnapshotLoadDuration = new Histogram({
    name: 'cat_bank_snapshot_load_duration_seconds',
    help: 'Time to build an in-process bank snapshot from Postgres (first use of a bank, or a new bank version)',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  private readonly rateLimitFailOpen = this.counter(
    'cat_rate_limit_fail_open_total',
    'Requests let through unlimited because the rate-limit counter in Redis could not be reached',
  );
  private readonly storeErrors = this.counter('cat_store_errors_total', 'Errors talking to a store (postgres, redis)', 'store');
  private readonly sweepSucceededAt = new Gauge({
    name: 'cat_session_sweep_last_success_timestamp_seconds',
    help: 'When the expiry sweep last completed without error in this instance (Unix seconds; 0: not yet). Alert on the fleet max',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    let activeExamsCountedAt = -Infinity;
    const activeExams: Gauge = new Gauge({
      name: 'cat_active_exams',
      help: `Exams in status ACTIVE (fleet-wide, from Postgres, the same on every instance: aggregate with max, not sum; refreshed at most every ${ACTIVE_EXAMS_REFRESH_MS / 1000} s)`,
      registers: [this.registry],
      collect: async () => {
        if (!this.activeExamsSource || Date.now() - activeExamsCountedAt < ACTIVE_EXAMS_REFRESH_MS) return;
        activeExamsCountedAt = Date.now();
        try {
          activeExams.set(await this.activeExamsSource());
        } catch {
          // A scrape must not fail because Postgres is down: the gauge keeps its last value, the error is counted.
          this.postgresError();
        }
      },
    });
    const snapshots: Gauge = new Gauge({
      name: 'cat_bank_snapshots',
      help: "Item banks held in this instance's memory",
      registers: [this.registry],
      collect: () => snapshots.set(this.bankSnapshotSource?.().banks ?? 0),
    });
    const snapshotBytes: Gauge = new Gauge({
      name: 'cat_bank_snapshot_bytes',
      help: "Approximate bytes of the bank snapshots held in this instance's memory (parameters, keys, content)",
      registers: [this.registry],
      collect: () => snapshotBytes.set(this.bankSnapshotSource?.().bytes ?? 0),
    });
    this.poolGauge('cat_db_pool_connections', "Open connections in this instance's Postgres pool (busy and idle)", (pool) => pool.total);
    this.poolGauge('cat_db_pool_connections_idle', "Idle connections in this instance's Postgres pool", (pool) => pool.idle);
    this.poolGauge('cat_db_pool_connections_max', "Size limit of this instance's Postgres pool (DATABASE_POOL_SIZE)", (pool) => pool.max);
    this.poolGauge(
      'cat_db_pool_waiting_requests',
      "Queries waiting for a connection of this instance's Postgres pool (above 0 for long: the pool is saturated)",
      (pool) => pool.waiting,
    );
    const redisUp: Gauge = new Gauge({
      name: 'cat_redis_up',
      help: "1 when this instance's Redis client is connected and ready, else 0 (exams then run on Postgres alone)",
      registers: [this.registry],
      collect: () => redisUp.set(this.redisUpSource?.() ? 1 : 0),
    });
  }

  private poolGauge(name: string, help: string, read: (pool: ReturnType<PoolSource>) => number): void {
    const gauge: Gauge = new Gauge({
      name,
      help,
      registers: [this.registry],
      collect: () => {
        const pool = this.poolSource?.();
        gauge.set(pool ? read(pool) : 0);
      },
    });
  }

  private counter(name: string, help: string, label?: string): Counter {
    return new Counter({ name, help, labelNames: label ? [label] : [], registers: [this.registry] });
  }

  setActiveExamsSource(source: ActiveExamsSource): void {
    this.activeExamsSource = source;
  }

  setBankSnapshotSource(source: BankSnapshotSource): void {
    this.bankSnapshotSource = source;
  }

  setPoolSource(source: PoolSource): void {
    this.poolSource = source;
  }

  setRedisUpSource(source: RedisUpSource): void {
    this.redisUpSource = source;
  }

  /** One finished HTTP request; `route` is the route pattern (`/v1/exams/:examId`), never the raw URL. */
  httpRequestObserved(method: string, route: string, statusCode: number, seconds: number): void {
    // The series of a (method, route, status) is looked up once: label hashing is the costly part of observe().
    const key = `${method} ${route} ${statusCode}`;
    let series = this.httpSeries.get(key);
    if (!series) {
      series = this.httpRequestDuration.labels({ method, route, status_code: String(statusCode) });
      this.httpSeries.set(key, series);
    }
    series.observe(seconds);
  }

  examStarted(): void {
    this.examsStarted.inc();
  }

  answerAccepted(completedExam: boolean): void {
    this.answersAccepted.inc();
    if (completedExam) this.examsCompleted.inc();
  }

  examCompleted(): void {
    this.examsCompleted.inc();
  }

  examsExpiredBy(count: number): void {
    if (count > 0) this.examsExpired.inc(count);
  }

  submissionContended(): void {
    this.lockContention.inc();
  }

  redisFallback(operation: string): void {
    this.redisFallbacks.inc({ operation });
    this.storeErrors.inc({ store: 'redis' });
  }

  rateLimitFailedOpen(): void {
    this.rateLimitFailOpen.inc();
  }

  postgresError(): void {
    this.storeErrors.inc({ store: 'postgres' });
  }

  sweepSucceeded(): void {
    this.sweepSucceededAt.set(Date.now() / 1000);
  }

  bankSnapshotLoaded(seconds: number): void {
    this.bankSnapshotLoadDuration.observe(seconds);
  }

  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
