import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { statusErrorBody } from '../common/errors/api-exception.js';
import { AppConfig } from '../config/app-config.service.js';
import { mayScrape } from './metrics-access.js';
import { MetricsService } from './metrics.service.js';

/**
 * /metrics on a listener of its own (METRICS_PORT, when not 0): a port that only the cluster's scraper reaches, apart
 * from the API's, its rate limits and its authentication. It opens when the app starts and closes with it.
 */
@Injectable()
export class MetricsListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MetricsListener.name);
  private server?: Server;

  constructor(
    private readonly metrics: MetricsService,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const port = this.config.get('METRICS_PORT');
    if (port === 0) return;
    const server = createServer({ requestTimeout: 10_000, headersTimeout: 5_000 }, (request, response) => void this.handle(request, response));
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port, host: this.config.get('HOST') }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.logger.log(`Metrics on port ${port}`);
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = request.url?.split('?')[0];
    if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      return this.refuse(response, 404, 'Only GET /metrics is served on this port');
    }
    if (!mayScrape(this.config.get('METRICS_TOKEN'), request.headers.authorization)) {
      return this.refuse(response, 401, 'Authorization: Bearer <METRICS_TOKEN> is required');
    }
    const { contentType, body } = await this.metrics.exposition();
    response.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
    response.end(request.method === 'HEAD' ? undefined : body);
  }

  private refuse(response: ServerResponse, statusCode: number, message: string): void {
    const body = JSON.stringify(statusErrorBody(statusCode, message));
    response.writeHead(statusCode, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    response.end(body);
  }
}
