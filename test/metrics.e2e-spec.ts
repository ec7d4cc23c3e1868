import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import request from 'supertest';
import { answerFor, appServer, bearer, createBank, seeded, startExam } from './support/exam-fixtures.js';
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
    for (const name of [
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
    ]) {
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
