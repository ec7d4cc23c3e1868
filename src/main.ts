import { Logger } from '@nestjs/common';
import { createApp } from './app.factory.js';
import { AppConfig } from './config/app-config.service.js';
import { InvalidEnvironmentError } from './config/environment.js';

async function bootstrap(): Promise<void> {
  const app = await createApp();
  const config = app.get(AppConfig);
  const graceMs = config.get('SHUTDOWN_GRACE_MS');
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      const logger = new Logger('Shutdown');
      logger.log(`${signal}: draining in-flight requests`);
      // A request stuck past the grace period must not keep a rolling deploy waiting forever.
      setTimeout(() => {
        logger.error(`Still busy after ${graceMs} ms, exiting`);
        process.exit(1);
      }, graceMs).unref();
      // close(): stop accepting, finish in-flight requests, then the shutdown hooks close Redis and Postgres.
      app.close().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error(`Shutdown failed: ${String(error)}`);
          process.exit(1);
        },
      );
    });
  }
  await app.listen({ port: config.get('PORT'), host: config.get('HOST') });
  Logger.log(`Listening on ${await app.getUrl()}`, 'Bootstrap');
}

bootstrap().catch((error: unknown) => {
  // One clear message (config problems list every bad key), then a non-zero exit.
  const message =
    error instanceof InvalidEnvironmentError
      ? error.message
      : `Start-up failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
  process.stderr.write(`${message}\n`);
  process.exit(1);
});
