import { Global, Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller.js';
import { MetricsListener } from './metrics-listener.js';
import { MetricsService } from './metrics.service.js';
import { StoreGauges } from './store-gauges.js';

/** Prometheus metrics: recorded by every module, served on METRICS_PORT (or on the API port behind a token). */
@Global()
@Module({
  controllers: [MetricsController],
  providers: [MetricsService, MetricsListener, StoreGauges],
  exports: [MetricsService],
})
export class MetricsModule {}
