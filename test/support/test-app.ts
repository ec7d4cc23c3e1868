import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { AppModule } from '../../src/app.module.js';
import { configureApp, createApp, createFastifyAdapter, NEST_APP_OPTIONS } from '../../src/app.factory.js';
import { loadEnvironment } from '../../src/config/environment.js';

type Env = Record<string, string | undefined>;

/** The scrape credentials of the test apps (global setup serves /metrics on their API port behind a token). */
export const metricsAuth = (): Record<string, string> => ({ authorization: `Bearer ${process.env.METRICS_TOKEN}` });

/** Runs `build` with extra environment variables set, restoring the environment afterwards. */
export async function withEnv<T>(overrides: Env, build: () => Promise<T>): Promise<T> {
  const saved: Env = {};
  for (const [key, value] of Object.entries(overrides)) {
    saved[key] = process.env[key];
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  try {
    return await build();
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

async function ready(app: NestFastifyApplication): Promise<NestFastifyApplication> {
  try {
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    return app;
  } catch (error) {
    await app.close().catch(() => undefined); // release whatever did connect
    throw error;
  }
}

/** The production app (same module, adapter and conventions), against the test database and Redis. */
export function startApp(overrides: Env = {}): Promise<NestFastifyApplication> {
  return withEnv(overrides, async () => ready(await createApp({ requestLogging: false })));
}

/** The production app plus extra test-only modules (e.g. a probe controller for the HTTP conventions). */
export function startAppWith(extraModules: unknown[], overrides: Env = {}): Promise<NestFastifyApplication> {
  return withEnv(overrides, async () => {
    const environment = loadEnvironment();
    const moduleRef = await Test.createTestingModule({
      imports: [AppModule.forRoot(environment), ...(extraModules as never[])],
    }).compile();
    const app = moduleRef.createNestApplication<NestFastifyApplication>(createFastifyAdapter(environment, { requestLogging: false }), {
      ...NEST_APP_OPTIONS,
      logger: false,
    });
    return ready(await configureApp(app, environment));
  });
}
