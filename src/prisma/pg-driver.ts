import { randomUUID } from 'node:crypto';
import { PrismaPg } from '@prisma/adapter-pg';
import { ColumnTypeEnum } from '@prisma/driver-adapter-utils';
import pg from 'pg';
import { parse as parseConnectionString } from 'pg-connection-string';

/**
 * Postgres driver plumbing shared by the service and `prisma.config.ts`.
 *
 * It works around upstream defects of `@prisma/adapter-pg` 6.19:
 * - the adapter cannot map catalog columns of type `name` (OID 19) and `"char"` (OID 18), which the
 *   JavaScript schema engine reads when it introspects; {@link CatalogTextClient} reports them as `text`,
 *   and the migration adapter hands `"char"` columns to the engine as single characters, which is what it
 *   reads them as (`pg_constraint.contype`: without this, any CHECK constraint panics the engine);
 * - its shadow-database support ignores the database when the pool has a `connectionString`, and drops
 *   the shadow database while the shadow pool is still open; {@link MigrationPgAdapterFactory} fixes both.
 */

const PG_TYPE_CHAR = 18;
const PG_TYPE_NAME = 19;
const PG_TYPE_TEXT = 25;

interface QueryResultLike {
  fields?: { dataTypeID: number }[];
  rows?: unknown[];
}

/** Which columns of a result (keyed by its rows array, which the adapter passes on) were `"char"`. */
const charColumnsByRows = new WeakMap<object, number[]>();

function reportCatalogTypesAsText<T>(result: T): T {
  const { fields = [], rows } = (result as QueryResultLike | undefined) ?? {};
  const charColumns: number[] = [];
  fields.forEach((field, index) => {
    if (field.dataTypeID === PG_TYPE_CHAR) charColumns.push(index);
    if (field.dataTypeID === PG_TYPE_NAME || field.dataTypeID === PG_TYPE_CHAR) {
      field.dataTypeID = PG_TYPE_TEXT;
    }
  });
  if (charColumns.length > 0 && rows) charColumnsByRows.set(rows, charColumns);
  return result;
}

/** A `pg.Client` whose results describe `name` and `"char"` columns as `text` (their wire format is text). */
export class CatalogTextClient extends pg.Client {
  // pg's overloads (promise or callback, config object or text) are forwarded untouched.
  override query(...args: unknown[]): never {
    const last = args[args.length - 1];
    if (typeof last === 'function') {
      const callback = last as (err: Error | null, result: unknown) => void;
      args[args.length - 1] = (err: Error | null, result: unknown) =>
        callback(err, err ? result : reportCatalogTypesAsText(result));
      return (super.query as (...a: unknown[]) => never)(...args);
    }
    const pending = (super.query as (...a: unknown[]) => unknown)(...args);
    if (pending instanceof Promise) {
      return pending.then(reportCatalogTypesAsText) as never;
    }
    return pending as never; // Submittables (cursors, streams) pass through.
  }
}

export interface PoolSettings {
  max?: number;
  connectionTimeoutMillis?: number;
  idleTimeoutMillis?: number;
  statementTimeoutMillis?: number;
  applicationName?: string;
}

/**
 * Discrete pg connection fields from a `postgresql://` URL. Discrete fields (not `connectionString`) are
 * what let a pool be pointed at another database by overriding `database`.
 */
export function poolConfigFromUrl(url: string, settings: PoolSettings = {}): pg.PoolConfig {
  const parsed = parseConnectionString(url);
  const config: pg.PoolConfig = {
    host: parsed.host ?? undefined,
    port: parsed.port ? Number(parsed.port) : undefined,
    user: parsed.user ?? undefined,
    password: parsed.password ?? undefined,
    database: parsed.database ?? undefined,
    ssl: parsed.ssl as pg.PoolConfig['ssl'],
    application_name: settings.applicationName ?? parsed.application_name ?? undefined,
    max: settings.max,
    // pg waits forever for a connection by default; a bounded wait turns an outage into a fast error.
    connectionTimeoutMillis: settings.connectionTimeoutMillis ?? 5_000,
    idleTimeoutMillis: settings.idleTimeoutMillis ?? 30_000,
    statement_timeout: settings.statementTimeoutMillis,
  };
  return config;
}

/** The Postgres schema named by `?schema=` in the URL, as Prisma understands it. */
export function schemaFromUrl(url: string): string | undefined {
  const schema = new URL(url).searchParams.get('schema');
  return schema ?? undefined;
}

type PgAdapter = Awaited<ReturnType<PrismaPg['connect']>>;

/** Makes the adapter describe `"char"` columns as characters (the engine's `get_char`), not text. */
function withCharColumns(adapter: PgAdapter): PgAdapter {
  const queryRaw = adapter.queryRaw.bind(adapter);
  adapter.queryRaw = async (query) => {
    const result = await queryRaw(query);
    for (const index of charColumnsByRows.get(result.rows) ?? []) {
      result.columnTypes[index] = ColumnTypeEnum.Character;
    }
    return result;
  };
  return adapter;
}

/**
 * The adapter factory for Prisma's JavaScript schema engine (`prisma migrate …`). Its connections report catalog
 * columns as text; the service's own pool does not need that (it never reads the catalog) and uses plain clients.
 */
export class MigrationPgAdapterFactory extends PrismaPg {
  private readonly poolConfig: pg.PoolConfig;

  constructor(poolConfig: pg.PoolConfig, schema?: string) {
    const catalogAware = { ...poolConfig, Client: CatalogTextClient };
    super(catalogAware, schema ? { schema } : undefined);
    this.poolConfig = catalogAware;
  }

  override async connect(): Promise<PgAdapter> {
    return withCharColumns(await super.connect());
  }

  override async connectToShadowDb(): Promise<PgAdapter> {
    const admin = new CatalogTextClient({ ...this.poolConfig });
    await admin.connect();
    const database = `prisma_shadow_${randomUUID().replaceAll('-', '')}`;
    try {
      await admin.query(`CREATE DATABASE "${database}"`);
    } catch (error) {
      await admin.end();
      throw error;
    }
    const shadow = withCharColumns(await new PrismaPg({ ...this.poolConfig, database }).connect());
    const closeShadowPool = shadow.dispose.bind(shadow);
    // Close the shadow pool first: Postgres refuses to drop a database that still has sessions.
    shadow.dispose = async () => {
      try {
        await closeShadowPool();
        await admin.query(`DROP DATABASE IF EXISTS "${database}"`);
      } finally {
        await admin.end();
      }
    };
    return shadow;
  }
}
