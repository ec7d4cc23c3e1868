// Creates the database named by DATABASE_URL (read from the environment or .env) if it does not exist,
// so `npm run setup` works on a machine that has a Postgres server but not yet this service's database.
import 'dotenv/config';
import pg from 'pg';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('DATABASE_URL is not set (copy .env.example to .env)');
  process.exit(1);
}
const target = new URL(url);
const database = decodeURIComponent(target.pathname.slice(1));
const admin = new URL(url);
admin.pathname = '/postgres';
admin.search = '';

const client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5_000 });
try {
  await client.connect();
  const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
  if (rowCount === 0) {
    await client.query(`CREATE DATABASE "${database.replaceAll('"', '""')}"`);
    console.log(`Created database ${database}`);
  }
} catch (error) {
  console.error(`Could not prepare database ${database}: ${error.message}`);
  process.exitCode = 1;
} finally {
  await client.end().catch(() => {});
}
