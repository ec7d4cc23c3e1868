import { jest } from '@jest/globals';
import { scrape, type Families } from '../../test/support/metrics-scrape.js';
import { SERVICE_METRIC_NAMES } from '../../test/support/service-metrics.js';
import { ACTIVE_EXAMS_REFRESH_MS, MetricsService } from './metrics.service.js';

function value(families: Families, name: string, labels: Record<string, string> = {}): number {
  const family = families.find((f) => f.name === name);
  if (!family) return Number.NaN;
  return family.metrics
    .filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))
    .reduce((sum, m) => sum + Number(m.value ?? m.count ?? 0), 0);
}

describe(MetricsService.name, () => {
  describe('exposition', () => {
    it('should be valid Prometheus text with process metrics and every service metric', async () => {
      const metrics = new MetricsService();
      const { contentType } = await metrics.exposition();
      expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
      const names = (await scrape(metrics)).families.map((f) => f.name);
      expect(names).toEqual(expect.arrayContaining([...SERVICE_METRIC_NAMES]));
    });

    it('should keep two instances apart (own registries, no double registration)', async () => {
      const one = new MetricsService();
      const two = new MetricsService();
      one.examStarted();
      expect(value((await scrape(one)).families, 'cat_exams_started_total')).toBe(1);
      expect(value((await scrape(two)).families, 'cat_exams_started_total')).toBe(0);
    });
  });

  describe('named counters', () => {
    it('should move with each call', async () => {
      const metrics = new MetricsService();
      metrics.examStarted();
      metrics.answerAccepted(false);
      metrics.answerAccepted(true); // the last answer completes the exam
      metrics.examCompleted();
      metrics.examsExpiredBy(3);
      metrics.examsExpiredBy(0);
      metrics.submissionContended();
      metrics.redisFallback('hot-state-read');
      metrics.postgresError();
      metrics.bankSnapshotLoaded(0.004);
      const { families, text } = await scrape(metrics);

      expect(value(families, 'cat_exams_started_total')).toBe(1);
      expect(value(families, 'cat_answers_accepted_total')).toBe(2);
      expect(value(families, 'cat_exams_completed_total')).toBe(2);
      expect(value(families, 'cat_exams_expired_total')).toBe(3);
      expect(value(families, 'cat_lock_contention_total')).toBe(1);
      expect(value(families, 'cat_redis_fallbacks_total', { operation: 'hot-state-read' })).toBe(1);
      expect(value(families, 'cat_store_errors_total', { store: 'redis' })).toBe(1);
      expect(value(families, 'cat_store_errors_total', { store: 'postgres' })).toBe(1);
      expect(text).toContain('cat_bank_snapshot_load_duration_seconds_count 1');
    });
  });

  describe('bank snapshot gauges', () => {
    it('should read their source at scrape time', async () => {
      const metrics = new MetricsService();
      expect(value((await scrape(metrics)).families, 'cat_bank_snapshots')).toBe(0);
      metrics.setBankSnapshotSource(() => ({ banks: 3, bytes: 12_345 }));
      const { families } = await scrape(metrics);
      expect(value(families, 'cat_bank_snapshots')).toBe(3);
      expect(value(families, 'cat_bank_snapshot_bytes')).toBe(12_345);
    });
  });

  describe('store gauges', () => {
    it('should read the pool and the Redis client at scrape time, 0 without them', async () => {
      const metrics = new MetricsService();
      const before = (await scrape(metrics)).families;
      expect(value(before, 'cat_db_pool_connections')).toBe(0);
      expect(value(before, 'cat_redis_up')).toBe(0);

      let pool = { total: 4, idle: 1, waiting: 0, max: 4 };
      let ready = true;
      metrics.setPoolSource(() => pool);
      metrics.setRedisUpSource(() => ready);
      let families = (await scrape(metrics)).families;
      expect(value(families, 'cat_db_pool_connections')).toBe(4);
      expect(value(families, 'cat_db_pool_connections_idle')).toBe(1);
      expect(value(families, 'cat_db_pool_connections_max')).toBe(4);
      expect(value(families, 'cat_db_pool_waiting_requests')).toBe(0);
      expect(value(families, 'cat_redis_up')).toBe(1);

      pool = { total: 4, idle: 0, waiting: 7, max: 4 };
      ready = false;
      families = (await scrape(metrics)).families;
      expect(value(families, 'cat_db_pool_waiting_requests')).toBe(7);
      expect(value(families, 'cat_db_pool_connections_idle')).toBe(0);
      expect(value(families, 'cat_redis_up')).toBe(0);
    });
  });

  describe('sweep timestamp', () => {
    it('should be 0 until a sweep succeeds, then the time of the last one in Unix seconds', async () => {
      const metrics = new MetricsService();
      const name = 'cat_session_sweep_last_success_timestamp_seconds';
      expect(value((await scrape(metrics)).families, name)).toBe(0);
      const before = Date.now() / 1000;
      metrics.sweepSucceeded();
      const at = value((await scrape(metrics)).families, name);
      expect(at).toBeGreaterThanOrEqual(before);
      expect(at).toBeLessThanOrEqual(Date.now() / 1000);
    });
  });

  describe('active exams gauge', () => {
    afterEach(() => {
      jest.useRealTimers();
    });

    it('should read its source at most every 30 s, not per scrape', async () => {
      jest.useFakeTimers({ now: 1_000_000, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
      const metrics = new MetricsService();
      let active = 4;
      let reads = 0;
      metrics.setActiveExamsSource(async () => {
        reads++;
        return active;
      });
      expect(value((await scrape(metrics)).families, 'cat_active_exams')).toBe(4);
      active = 2;
      jest.advanceTimersByTime(ACTIVE_EXAMS_REFRESH_MS - 1);
      expect(value((await scrape(metrics)).families, 'cat_active_exams')).toBe(4);
      jest.advanceTimersByTime(1);
      expect(value((await scrape(metrics)).families, 'cat_active_exams')).toBe(2);
      expect(reads).toBe(2);
    });

    it('should keep the last value and count a Postgres error when the source fails', async () => {
      jest.useFakeTimers({ now: 1_000_000, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
      const metrics = new MetricsService();
      let fail = false;
      metrics.setActiveExamsSource(async () => {
        if (fail) throw new Error('connection refused');
        return 7;
      });
      await scrape(metrics);
      fail = true;
      jest.advanceTimersByTime(ACTIVE_EXAMS_REFRESH_MS);
      expect(value((await scrape(metrics)).families, 'cat_active_exams')).toBe(7);
      fail = false;
      // Families are collected concurrently, so the error counted during one scrape shows in the next.
      expect(value((await scrape(metrics)).families, 'cat_store_errors_total', { store: 'postgres' })).toBe(1);
    });
  });
});
