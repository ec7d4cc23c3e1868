import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '@prisma/client';
import pg from 'pg';
import { outsideRequest } from '../common/logging/pino-logger.js';
import { AppConfig } from '../config/app-config.service.js';
import { poolConfigFromUrl, schemaFromUrl } from './pg-driver.js';

/**
 * The one Prisma client, on the pg driver adapter. A database that cannot be reached at start-up stops
 * the process; the pool is closed only after the HTTP server has drained (`onApplicationShutdown`).
 */
@Injectable()
export class PrismaService extends PrismaClient implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(PrismaService.name);
  /** Owned here, not by the adapter: `$disconnect()` does not end an adapter's pool. */
  private readonly pool: pg.Pool;
  /** Off behind a transaction-mode PgBouncer before 1.21 (DATABASE_PREPARED_STATEMENTS). */
  private readonly namedStatements: boolean;
  /** Not sent at connect (DATABASE_STATEMENT_TIMEOUT_MS=0): the role is expected to set it. */
  private readonly statementTimeoutFromRole: boolean;

  constructor(config: AppConfig) {
    const url = config.get('DATABASE_URL');
    const poolConfig = poolConfigFromUrl(url, {
      max: config.get('DATABASE_POOL_SIZE'),
      connectionTimeoutMillis: config.get('DATABASE_CONNECT_TIMEOUT_MS'),
      statementTimeoutMillis: config.get('DATABASE_STATEMENT_TIMEOUT_MS') || undefined,
      applicationName: 'adaptive-testing-backend',
    });
    const schema = schemaFromUrl(url);
    const pool = new pg.Pool(poolConfig);
    super({ adapter: new PrismaPg(pool, schema ? { schema } : undefined) });
    this.pool = pool;
    this.namedStatements = config.get('DATABASE_PREPARED_STATEMENTS');
    this.statementTimeoutFromRole = config.get('DATABASE_STATEMENT_TIMEOUT_MS') === 0;
    // An idle client losing its connection (database restart) must not crash the process.
    pool.on('error', (error) => outsideRequest(() => this.logger.warn(`Idle Postgres connection lost: ${error.message}`)));
  }

  async onModuleInit(): Promise<void> {
    await this.$connect();
    // With a driver adapter $connect does not touch the database: a round trip proves it is there.
    await this.$queryRaw`SELECT 1`;
    this.logger.log('Connected to Postgres');
    if (this.statementTimeoutFromRole) {
      const [{ statement_timeout: timeout }] = await this.$queryRaw<{ statement_timeout: string }[]>`SHOW statement_timeout`;
      if (timeout === '0') {
        this.logger.warn("No statement_timeout: DATABASE_STATEMENT_TIMEOUT_MS is 0 and the role sets none (ALTER ROLE … SET statement_timeout = '15s')");
      }
    }
  }

  /**
   * A named prepared statement on the same pool, for the session statements that are raw SQL anyway (the answer
   * write first): Postgres parses it once per connection instead of on every call, and the call skips Prisma's
   * query pipeline (about a millisecond of CPU per query). Unnamed (parsed each time) when prepared statements are
   * off. Errors are the pg driver's (SQLSTATE in `code`).
   */
  preparedStatement<Row>(name: string, text: string, values: unknown[]): Promise<pg.QueryResult<Row & pg.QueryResultRow>> {
    return this.pool.query(this.namedStatements ? { name, text, values } : { text, values });
  }

  /**
   * A transaction on one pooled connection, in plain SQL: for bulk writes, whose large array parameters Prisma's
   * pipeline would copy and convert synchronously (tens of milliseconds of a blocked event loop per statement).
   */
  async sqlTransaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    // A connection lost between two statements is reported as an 'error' event on the checked-out client (the pool
    // listens only while it is idle): without a listener it would end the process. Its next query fails anyway.
    const lost = (error: Error) => {
      broken = error;
    };
    client.on('error', lost);
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        broken = rollbackError; // the connection is unusable: the pool drops it
      });
      throw error;
    } finally {
      client.off('error', lost);
      client.release(broken);
    }
  }

  /** The pool right now (read by the metrics scrape). */
  poolStats(): { total: number; idle: number; waiting: number; max: number } {
    const { totalCount, idleCount, waitingCount, options } = this.pool;
    return { total: totalCount, idle: idleCount, waiting: waitingCount, max: options.max ?? 10 }; // pg-pool's default
  }

  async onApplicationShutdown(): Promise<void> {
    await this.$disconnect();
    await this.pool.end();
  }
}
