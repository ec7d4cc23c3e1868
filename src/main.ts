import { Logger } from '@nestjs/common';
import { createApp, startDraining } from './app.factory.js';
import { AppConfig } from './config/app-config.service.js';
import { InvalidEnvironmentError } from './config/environment.js';

async function bootstrap(): Promise<void> {
  const app = await createApp();
  const config = app.get(AppConfig);
  const graceMs = config.get('SHUTDOWN_GRACE_MS');
  const drainDelayMs = config.get('SHUTDOWN_DRAIN_DELAY_MS');
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      const logger = new Logger('Shutdown');
      logger.log(`${signal}: draining (${drainDelayMs} ms, then in-flight requests finish)`);
      // A request stuck past the grace period must not keep a rolling deploy waiting forever.
      setTimeout(() => {
        logger.error(`Still busy ${graceMs} ms after draining, exiting`);
        process.exit(1);
      }, drainDelayMs + graceMs).unref();
      // New requests get 503 from now on, while the listener stays open for the drain delay: the load
      // balancer stops routing here and requests already on the wire are answered rather than reset.
      startDraining(app);
      setTimeout(() => {
        // close(): stop accepting, finish in-flight requests, then the shutdown hooks close Redis and Postgres.
        app.close().then(
          () => process.exit(0),
          (error: unknown) => {
            logger.error(`Shutdown failed: ${String(error)}`);
            process.exit(1);
          },
        );
      }, drainDelayMs);
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
