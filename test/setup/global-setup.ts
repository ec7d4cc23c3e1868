import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

// Jest loads this file outside its module mapper, so it imports packages only (no relative imports).

const POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * One migrated database and one Redis key prefix for the whole e2e run, never a user's: both names are
 * unique and marked `_test_`, and global-teardown removes them.
 */
export default async function globalSetup(): Promise<void> {
  const suffix = randomBytes(4).toString('hex');
  const database = `cat_test_e2e_${suffix}`;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 5_000 });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${database}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${database}`;
  Object.assign(process.env, {
    TEST_DATABASE_NAME: database,
    NODE_ENV: 'test',
    DATABASE_URL: url.toString(),
    REDIS_URL,
    REDIS_KEY_PREFIX: `cat_test_${suffix}:`,
    ADMIN_API_KEY: 'test-admin-key-0123456789',
    LOG_LEVEL: 'error',
    // Many apps run side by side in one process: metrics on each one's API port, and rate limits off except in
    // the tests about them (every request here comes from one address).
    METRICS_PORT: '0',
    METRICS_TOKEN: 'test-metrics-token-0123456789',
    RATE_LIMIT_CLIENT_PER_MINUTE: '0',
    RATE_LIMIT_IP_PER_MINUTE: '0',
    RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: '0',
  });
  // Migrated with the Prisma CLI, exactly as a user or CI would.
  execFileSync('npx', ['--no-install', 'prisma', 'migrate', 'deploy'], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    // A MIGRATION_DATABASE_URL from the shell or .env would take precedence: the test database, always.
    env: { ...process.env, MIGRATION_DATABASE_URL: url.toString() },
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: 120_000,
  });
}
