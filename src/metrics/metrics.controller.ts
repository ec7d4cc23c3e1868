import { Controller, Get, Header, Req, Res } from '@nestjs/common';
import { ApiExcludeEndpoint } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../common/auth/auth.decorator.js';
import { ApiException } from '../common/errors/api-exception.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { AppConfig } from '../config/app-config.service.js';
import { mayScrape } from './metrics-access.js';
import { MetricsService } from './metrics.service.js';

/**
 * /metrics on the API port, only when METRICS_PORT is 0, and then behind METRICS_TOKEN (the API port faces the
 * internet; the metrics port, by default, only the cluster).
 */
@Controller()
@Public()
export class MetricsController {
  private readonly onApiPort: boolean;
  private readonly token: string | undefined;

  constructor(
    private readonly metrics: MetricsService,
    config: AppConfig,
  ) {
    this.onApiPort = config.get('METRICS_PORT') === 0;
    this.token = config.get('METRICS_TOKEN');
  }

  @Get('metrics')
  @ApiExcludeEndpoint()
  @Header('cache-control', 'no-store')
  async scrape(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (!this.onApiPort) throw new ApiException(ErrorCode.NOT_FOUND, 'Metrics are served on METRICS_PORT');
    if (!mayScrape(this.token, request.headers.authorization)) {
      throw new ApiException(ErrorCode.UNAUTHORIZED, 'Authorization: Bearer <METRICS_TOKEN> is required');
    }
    const { contentType, body } = await this.metrics.exposition();
    await reply.type(contentType).send(body);
  }
}
