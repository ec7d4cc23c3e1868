import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Test } from '@nestjs/testing';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import request from 'supertest';
import { histogramCount } from '../../test/support/metrics-scrape.js';
import { registerHttpMetrics } from './http-metrics.js';
import { MetricsModule } from './metrics.module.js';
import { MetricsService } from './metrics.service.js';
import { AppConfigModule } from '../config/config.module.js';
import { validateEnvironment } from '../config/environment.js';

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
