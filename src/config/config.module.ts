import { type DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { AppConfig } from './app-config.service.js';
import { validateEnvironment } from './environment.js';

/**
 * Settings come from the environment (and a `.env` file outside tests), validated at start-up:
 * an invalid value stops the process before anything connects. `forRoot()` reads the environment
 * when it is called, not when this file is imported, so each app instance sees the current one.
 */
@Module({})
export class AppConfigModule {
  static forRoot(): DynamicModule {
    return {
      module: AppConfigModule,
      global: true,
      imports: [
        ConfigModule.forRoot({
          cache: true,
          ignoreEnvFile: process.env.NODE_ENV === 'test',
          validate: validateEnvironment,
        }),
      ],
      providers: [AppConfig],
      exports: [AppConfig],
    };
  }
}
