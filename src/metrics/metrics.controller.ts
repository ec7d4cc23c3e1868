import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiExcludeEndpoint } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../common/auth/auth.decorator.js';
import { MetricsService } from './metrics.service.js';

@Controller()
@Public()
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  /** Prometheus text exposition (scraped from inside the cluster; not part of the v1 API). */
  @Get('metrics')
  @ApiExcludeEndpoint()
  @Header('cache-control', 'no-store')
  async scrape(@Res() reply: FastifyReply): Promise<void> {
    const { contentType, body } = await this.metrics.exposition();
    await reply.type(contentType).send(body);
  }
}
