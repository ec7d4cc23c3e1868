import Fastify from 'fastify';
import request from 'supertest';
import { histogramCount, scrape } from '../../test/support/metrics-scrape.js';
import { registerHttpMetrics } from './http-metrics.js';
import { MetricsService } from './metrics.service.js';

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
