import { type DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { AppConfig } from './app-config.service.js';
import { type Environment, loadEnvironment } from './environment.js';

/**
 * Settings come from the environment (and a `.env` file outside tests), validated at start-up: an invalid value
 * stops the process before anything connects. They are loaded once per app (`loadEnvironment`), before the HTTP
 * adapter, which needs some of them, and handed to every module through AppConfig.
 */
@Module({})
export class AppConfigModule {
  static forRoot(environment: Environment = loadEnvironment()): DynamicModule {
    return {
      module: AppConfigModule,
      global: true,
      imports: [ConfigModule.forRoot({ cache: true, ignoreEnvFile: true, skipProcessEnv: true, load: [() => ({ ...environment })] })],
      providers: [AppConfig],
      exports: [AppConfig],
    };
  }
}
