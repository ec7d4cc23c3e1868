import type { FastifyInstance } from 'fastify';
import type { MetricsService } from './metrics.service.js';

/** Label of requests no route matched (404s): one series, however many URLs are probed. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Times every request by route pattern — never the raw URL, so ids and tokens stay out of label values and
 * the series count stays bounded. Call once per Fastify instance, before it starts listening.
 */
export function registerHttpMetrics(fastify: FastifyInstance, metrics: MetricsService): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    metrics.httpRequestObserved(request.method, request.routeOptions.url ?? UNMATCHED_ROUTE, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
}
