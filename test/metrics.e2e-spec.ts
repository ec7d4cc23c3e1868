import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import request from 'supertest';
import { PrismaService } from '../src/prisma/prisma.service.js';
import { SessionExpiryService } from '../src/sessions/session-expiry.service.js';
import { answerFor, appServer, bearer, createBank, seeded, startExam } from './support/exam-fixtures.js';
import { SERVICE_METRIC_NAMES } from './support/service-metrics.js';
import { metricsAuth, startApp } from './support/test-app.js';

type Families = ReturnType<typeof parsePrometheusTextFormat>;

function sample(families: Families, name: string, labels: Record<string, string> = {}): number {
  const family = families.find((f) => f.name === name);
  if (!family) return Number.NaN;
  const matches = family.metrics.filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return matches.reduce((sum, m) => sum + Number(m.value ?? m.count ?? 0), 0);
}

describe('Prometheus metrics (e2e)', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await startApp();
  });
  afterAll(async () => {
    await app.close();
  });

  let lastText = '';
  async function scrape(): Promise<Families> {
    const res = await request(appServer(app)).get('/metrics').set(metricsAuth()).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    lastText = res.text;
    return parsePrometheusTextFormat(res.text);
  }

  /** The parser merges labelled histogram series, so histogram counts are read from their `_count` line. */
  function histogramCount(text: string, name: string, labels: string): number {
    const line = text.split('\n').find((l) => l.startsWith(`${name}_count{${labels}}`));
    return line ? Number(line.split(' ').pop()) : 0;
  }

  it('should expose Node process metrics and every service metric in valid text format', async () => {
    const families = await scrape();
    const names = families.map((f) => f.name);
    for (const name of SERVICE_METRIC_NAMES) {
      expect(names).toContain(name);
    }
  });

  it('should refuse a scrape without the metrics token', async () => {
    const server = appServer(app);
    const missing = await request(server).get('/metrics').expect(401);
    expect(missing.body).toMatchObject({ code: 'UNAUTHORIZED' });
    await request(server).get('/metrics').set({ authorization: 'Bearer not-the-metrics-token' }).expect(401);
  });

  it('should show the counters moving during an exam', async () => {
    const server = appServer(app);
    const { bankId, correctKeyOf } = await createBank(server, 30, 7);
    const before = await scrape();
    const textBefore = lastText;

    const started = await startExam(server, { bankId, candidateId: 'metrics-candidate', config: { maxItems: 3, seThreshold: 0 } })
      .expect(201);
    const midway = await scrape();
    // Counted in Postgres at most every 30 s, not per scrape: this app still shows its earlier count, while an app
    // scraped for the first time counts (at least) the exam now running.
    expect(sample(midway, 'cat_active_exams')).toBe(sample(before, 'cat_active_exams'));
    const fresh = await startApp();
    try {
      const res = await request(appServer(fresh)).get('/metrics').set(metricsAuth()).expect(200);
      expect(sample(parsePrometheusTextFormat(res.text), 'cat_active_exams')).toBeGreaterThanOrEqual(1);
    } finally {
      await fresh.close();
    }

    const random = seeded(3);
    let item = started.body.item as { id: string } | null;
    let answers = 0;
    while (item) {
      const res = await request(server)
        .post(`/v1/exams/${started.body.examId}/answers`)
        .set(bearer(started.body.token))
        .send({ itemId: item.id, answer: answerFor(item.id, correctKeyOf, random) })
        .expect(200);
      answers++;
      item = res.body.item;
    }
    const after = await scrape();

    expect(answers).toBe(3);
    expect(sample(after, 'cat_exams_started_total') - sample(before, 'cat_exams_started_total')).toBe(1);
    expect(sample(after, 'cat_answers_accepted_total') - sample(before, 'cat_answers_accepted_total')).toBe(3);
    expect(sample(after, 'cat_exams_completed_total') - sample(before, 'cat_exams_completed_total')).toBe(1);
    const answerRoute = 'method="POST",route="/v1/exams/:examId/answers",status_code="200"';
    const name = 'cat_http_request_duration_seconds';
    expect(histogramCount(lastText, name, answerRoute) - histogramCount(textBefore, name, answerRoute)).toBe(3);
  });
});

describe('Store gauges (e2e)', () => {
  async function scrape(app: NestFastifyApplication): Promise<Families> {
    const res = await request(appServer(app)).get('/metrics').set(metricsAuth()).expect(200);
    return parsePrometheusTextFormat(res.text);
  }

  it('should show the pool filling up and queries waiting for it', async () => {
    const app = await startApp({ DATABASE_POOL_SIZE: '1' });
    let release = () => {};
    try {
      await scrape(app); // counts active exams now, so the next scrapes need no connection of their own
      const prisma = app.get(PrismaService);
      const held = new Promise<void>((resolve) => (release = resolve));
      let holding!: () => void;
      const taken = new Promise<void>((resolve) => (holding = resolve));
      const holder = prisma.sqlTransaction(async () => {
        holding();
        await held;
      });
      await taken;
      // Prisma's queries are lazy: then() sends them.
      const queued = [prisma.$queryRaw`SELECT 1`.then(() => 1), prisma.$queryRaw`SELECT 2`.then(() => 2)];
      // They reach the pool's queue a few ticks later.
      for (let tries = 0; prisma.poolStats().waiting < 2 && tries < 200; tries++) await new Promise((resolve) => setTimeout(resolve, 10));

      const busy = await scrape(app);
      expect(sample(busy, 'cat_db_pool_connections_max')).toBe(1);
      expect(sample(busy, 'cat_db_pool_connections')).toBe(1);
      expect(sample(busy, 'cat_db_pool_connections_idle')).toBe(0);
      expect(sample(busy, 'cat_db_pool_waiting_requests')).toBe(2);

      release();
      await Promise.all([holder, ...queued]);
      const calm = await scrape(app);
      expect(sample(calm, 'cat_db_pool_waiting_requests')).toBe(0);
      expect(sample(calm, 'cat_db_pool_connections_idle')).toBe(1);
    } finally {
      release(); // a held connection would keep close() waiting
      await app.close();
    }
  });

  it('should report Redis up, and down when it cannot be reached', async () => {
    const up = await startApp();
    try {
      expect(sample(await scrape(up), 'cat_redis_up')).toBe(1);
    } finally {
      await up.close();
    }
    const down = await startApp({ REDIS_URL: 'redis://127.0.0.1:1' });
    try {
      expect(sample(await scrape(down), 'cat_redis_up')).toBe(0);
    } finally {
      await down.close();
    }
  });

  it('should stamp the expiry sweep when it succeeds', async () => {
    const app = await startApp({ SESSION_SWEEP_INTERVAL_MS: '0' });
    try {
      const name = 'cat_session_sweep_last_success_timestamp_seconds';
      expect(sample(await scrape(app), name)).toBe(0);
      const before = Math.floor(Date.now() / 1000);
      await app.get(SessionExpiryService).sweep();
      const stamped = sample(await scrape(app), name);
      expect(stamped).toBeGreaterThanOrEqual(before);
      expect(stamped).toBeLessThanOrEqual(Date.now() / 1000);
    } finally {
      await app.close();
    }
  });
});
