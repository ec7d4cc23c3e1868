import 'dotenv/config';
import { defineConfig } from 'prisma/config';
import {
  MigrationPgAdapterFactory,
  poolConfigFromUrl,
  schemaFromUrl,
} from './src/prisma/pg-driver.js';

// `prisma generate` (run by `npm ci`) evaluates the schema's env("DATABASE_URL") to learn the engine type;
// when it is unset the CLI falls back to downloading a native query engine, which cannot be fetched here.
// Generating needs no database, so a placeholder is enough; the adapter below still insists on a real URL.
// Migrations need a direct connection (session state, advisory locks, DDL): behind PgBouncer in transaction mode
// MIGRATION_DATABASE_URL points at Postgres itself while the service's DATABASE_URL points at PgBouncer.
const configuredUrl = process.env.MIGRATION_DATABASE_URL || process.env.DATABASE_URL;
process.env.DATABASE_URL ??= 'postgresql://generate-only@127.0.0.1:5432/unset';

// The JavaScript schema engine runs every `prisma migrate` command through the pg driver,
// so nothing is downloaded and no native engine binary is needed.
export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  async adapter() {
    const url = configuredUrl;
    if (!url) {
      throw new Error('DATABASE_URL (or MIGRATION_DATABASE_URL) is not set (see .env.example)');
    }
    // The CLI does not close the pool when it is done: let idle connections not hold the process open.
    const poolConfig = { ...poolConfigFromUrl(url, { max: 2 }), allowExitOnIdle: true, idleTimeoutMillis: 1_000 };
    return new MigrationPgAdapterFactory(poolConfig, schemaFromUrl(url));
  },
});
