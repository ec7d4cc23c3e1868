import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

/** Where the test servers live (override with TEST_POSTGRES_URL / TEST_REDIS_URL). */
export const POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A fresh, unique database name; the `_test_` marker is what the safety guard looks for. */
export function uniqueTestDatabaseName(label = 'run'): string {
  return `cat_test_${label}_${randomBytes(4).toString('hex')}`;
}

export function databaseUrl(database: string, base = POSTGRES_ADMIN_URL): string {
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Refuses to touch a database whose name does not say it is a test database. */
export function assertTestDatabase(database: string): void {
  if (!/_test_/.test(database)) {
    throw new Error(`Refusing to use database "${database}": test databases must have _test_ in their name`);
  }
}

async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function createDatabase(database: string): Promise<void> {
  assertTestDatabase(database);
  await withAdmin((client) => client.query(`CREATE DATABASE "${database}"`));
}

export async function dropDatabase(database: string): Promise<void> {
  assertTestDatabase(database);
  await withAdmin((client) => client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
}

export interface CliResult {
  status: number | null;
  output: string;
}

/** Runs the Prisma CLI exactly as a user would (`npx prisma …`), against the given database. */
export function prismaCli(args: string[], database: string): CliResult {
  assertTestDatabase(database);
  const result = spawnSync('npx', ['--no-install', 'prisma', ...args], {
    cwd: PROJECT_ROOT,
    // MIGRATION_DATABASE_URL (shell or .env) would take precedence over DATABASE_URL: both name the test database.
    env: { ...process.env, DATABASE_URL: databaseUrl(database), MIGRATION_DATABASE_URL: databaseUrl(database) },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}
