import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jest } from '@jest/globals';
import { Test } from '@nestjs/testing';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import Fastify from 'fastify';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import request from 'supertest';
import { registerHttpMetrics } from './http-metrics.js';
import { MetricsModule } from './metrics.module.js';
import { ACTIVE_EXAMS_REFRESH_MS, MetricsService } from './metrics.service.js';
import { AppConfigModule } from '../config/config.module.js';
import { validateEnvironment } from '../config/environment.js';

type Families = ReturnType<typeof parsePrometheusTextFormat>;

async function scrape(metrics: MetricsService): Promise<{ text: string; families: Families }> {
  const { body } = await metrics.exposition();
  return { text: body, families: parsePrometheusTextFormat(body) };
}

function value(families: Families, name: string, labels: Record<string, string> = {}): number {
  const family = families.find((f) => f.name === name);
  if (!family) return Number.NaN;
  return family.metrics
    .filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))
    .reduce((sum, m) => sum + Number(m.value ?? m.count ?? 0), 0);
}

/** The parser merges labelled histogram series, so counts are read from the `_count` line. */
function histogramCount(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}_count{${labels}}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe(MetricsService.name, () => {
  describe('exposition', () => {
    it('should be valid Prometheus text with process metrics and every service metric', async () => {
      const metrics = new MetricsService();
      const { contentType } = await metrics.exposition();
      expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
      const names = (await scrape(metrics)).families.map((f) => f.name);
      expect(names).toEqual(
        expect.arrayContaining([
          'process_cpu_user_seconds_total',
          'nodejs_eventloop_lag_seconds',
          'cat_http_request_duration_seconds',
          'cat_answers_accepted_total',
          'cat_exams_started_total',
          'cat_exams_completed_total',
          'cat_exams_expired_total',
          'cat_active_exams',
          'cat_lock_contention_total',
          'cat_redis_fallbacks_total',
          'cat_bank_snapshots',
          'cat_bank_snapshot_bytes',
          'cat_bank_snapshot_load_duration_seconds',
          'cat_store_errors_total',
          'cat_db_pool_connections',
          'cat_db_pool_connections_idle',
          'cat_db_pool_connections_max',
          'cat_db_pool_waiting_requests',
          'cat_redis_up',
          'cat_session_sweep_last_success_timestamp_seconds',
        ]),
      );
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

describe(registerHttpMetrics.name, () => {
  it('should label requests with the route pattern, not the raw URL', async () => {
    const metrics = new MetricsService();
    const fastify = Fastify();
    registerHttpMetrics(fastify, metrics);
    fastify.get('/v1/items/:itemId', async () => ({ ok: true }));
    await fastify.ready();
    for (const id of ['a1', 'b2', 'c3']) await request(fastify.server).get(`/v1/items/${id}`).expect(200);
    await request(fastify.server).get('/no/such/route/123').expect(404);
    await fastify.close();

    const { text } = await scrape(metrics);
    const name = 'cat_http_request_duration_seconds';
    expect(histogramCount(text, name, 'method="GET",route="/v1/items/:itemId",status_code="200"')).toBe(3);
    expect(histogramCount(text, name, 'method="GET",route="unmatched",status_code="404"')).toBe(1);
    expect(text).not.toMatch(/a1|b2|c3|no\/such/);
  });
});

/** A settings object for the metrics module alone (the stores are never contacted here). */
function environmentWith(overrides: Record<string, string>) {
  return validateEnvironment({
    DATABASE_URL: 'postgresql://unused@127.0.0.1/unused',
    REDIS_URL: 'redis://127.0.0.1:1',
    ADMIN_API_KEY: 'unused-admin-key-0123',
    ...overrides,
  });
}

async function metricsApp(overrides: Record<string, string>): Promise<NestFastifyApplication> {
  const moduleRef = await Test.createTestingModule({ imports: [AppConfigModule.forRoot(environmentWith(overrides)), MetricsModule] }).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
  registerHttpMetrics(app.getHttpAdapter().getInstance(), app.get(MetricsService));
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

const METRICS_TOKEN = 'unit-metrics-token-0123';

describe('GET /metrics on the API port (METRICS_PORT=0)', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await metricsApp({ METRICS_PORT: '0', METRICS_TOKEN });
  });
  afterAll(async () => {
    await app.close();
  });

  it('should serve the registry in text format, uncached, and count its own scrapes', async () => {
    const server = app.getHttpAdapter().getInstance().server;
    const auth = { authorization: `Bearer ${METRICS_TOKEN}` };
    const first = await request(server).get('/metrics').set(auth).expect(200);
    expect(first.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(first.headers['cache-control']).toBe('no-store');
    expect(parsePrometheusTextFormat(first.text).length).toBeGreaterThan(10);

    const second = await request(server).get('/metrics').set(auth).expect(200);
    expect(histogramCount(second.text, 'cat_http_request_duration_seconds', 'method="GET",route="/metrics",status_code="200"')).toBe(1);
  });

  it('should ask for the token', async () => {
    const server = app.getHttpAdapter().getInstance().server;
    await request(server).get('/metrics').expect(401);
    await request(server).get('/metrics').set({ authorization: `Bearer ${METRICS_TOKEN}x` }).expect(401);
    await request(server).get('/metrics').set({ authorization: METRICS_TOKEN }).expect(401);
  });

  it('should not start without a token', () => {
    expect(() => environmentWith({ METRICS_PORT: '0' })).toThrow(/METRICS_TOKEN is required/);
  });
});

/** A port free right now on 127.0.0.1. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('GET /metrics on METRICS_PORT', () => {
  it('should be served on its own listener only, while the app runs', async () => {
    const port = await freePort();
    const app = await metricsApp({ METRICS_PORT: String(port), HOST: '127.0.0.1' });
    const metricsUrl = `http://127.0.0.1:${port}`;
    try {
      const scraped = await request(metricsUrl).get('/metrics').expect(200);
      expect(scraped.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(parsePrometheusTextFormat(scraped.text).length).toBeGreaterThan(10);
      expect((await request(metricsUrl).get('/v1/exams').expect(404)).body).toMatchObject({ code: 'NOT_FOUND' });
      // Not on the API port.
      await request(app.getHttpAdapter().getInstance().server).get('/metrics').expect(404);
    } finally {
      await app.close();
    }
    await expect(request(metricsUrl).get('/metrics')).rejects.toThrow(/ECONNREFUSED/);
  });

  it('should ask for METRICS_TOKEN when one is set', async () => {
    const port = await freePort();
    const app = await metricsApp({ METRICS_PORT: String(port), HOST: '127.0.0.1', METRICS_TOKEN });
    try {
      const metricsUrl = `http://127.0.0.1:${port}`;
      await request(metricsUrl).get('/metrics').expect(401);
      await request(metricsUrl).get('/metrics').set({ authorization: `Bearer ${METRICS_TOKEN}` }).expect(200);
    } finally {
      await app.close();
    }
  });
});
