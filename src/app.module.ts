import { type DynamicModule, Module } from '@nestjs/common';
import { AdaptiveExamModule } from './adaptive-exam/adaptive-exam.module.js';
import { AdminModule } from './admin/admin.module.js';
import { ClientsModule } from './clients/clients.module.js';
import { AppConfigModule } from './config/config.module.js';
import { type Environment, loadEnvironment } from './config/environment.js';
import { DemoModule } from './demo/demo.module.js';
import { ExposureModule } from './exposure/exposure.module.js';
import { HealthModule } from './health/health.module.js';
import { ItemBanksModule } from './item-banks/item-banks.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { PrismaModule } from './prisma/prisma.module.js';
import { RedisModule } from './redis/redis.module.js';
import { SessionsModule } from './sessions/sessions.module.js';
import { TestDefinitionsModule } from './test-definitions/test-definitions.module.js';

@Module({})
export class AppModule {
  /** Built on demand so the environment is read (and validated) when an app is created. */
  static forRoot(environment: Environment = loadEnvironment()): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(environment),
        MetricsModule,
        PrismaModule,
        RedisModule,
        ClientsModule,
        HealthModule,
        SessionsModule,
        ItemBanksModule,
        TestDefinitionsModule,
        ExposureModule,
        AdaptiveExamModule,
        AdminModule,
        DemoModule,
      ],
    };
  }
}
