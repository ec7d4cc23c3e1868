import type { ChildProcess } from 'node:child_process';
import { createDefinition } from '../support/exam-fixtures.js';
import { spawnServer, stopServer } from '../support/server-process.js';
import { ADMIN_KEY, CandidatePool, call, createBank, createFaultDatabase, query, verifyExams } from './support/fault-harness.js';
import { PgBouncer } from './support/pgbouncer.js';

/**
 * The service behind PgBouncer in transaction mode (Debian's 1.18: no prepared statements across transactions), as
 * README "Run in production" describes it: statement_timeout not sent at connect, plain parameterised statements,
 * and fewer server connections than the service's pool, so consecutive statements of one client connection land on
 * different server connections.
 */
describe('Behind PgBouncer in transaction mode', () => {
  const POOL_SIZE = 8;
  const SERVER_CONNECTIONS = 3;
  let database: Awaited<ReturnType<typeof createFaultDatabase>>;
  let bouncer: PgBouncer;
  let server: { url: string; child: ChildProcess } | undefined;

  beforeAll(async () => {
    database = await createFaultDatabase('pgbouncer');
    bouncer = await PgBouncer.start({ database: database.name, serverConnections: SERVER_CONNECTIONS });
  });

  afterAll(async () => {
    if (server) await stopServer(server.child);
    await bouncer?.stop();
    await database?.drop();
  });

  const throughBouncer = (settings: Record<string, string>) => ({
    DATABASE_URL: bouncer.url(database.name),
    DATABASE_POOL_SIZE: String(POOL_SIZE),
    SESSION_SWEEP_INTERVAL_MS: '200',
    ...settings,
  });

  it('should not start while statement_timeout is sent at connect (PgBouncer refuses it)', async () => {
    const refused = spawnServer({ env: throughBouncer({}) });
    await expect(refused).rejects.toThrow(/server exited with 1/);
  });

  it('should run complete exams with nothing lost or doubled, the item import and the expiry sweep included', async () => {
    server = await spawnServer({ env: throughBouncer({ DATABASE_STATEMENT_TIMEOUT_MS: '0', DATABASE_PREPARED_STATEMENTS: 'false' }) });
    // The import is a multi-statement transaction: it must stay on one server connection from BEGIN to COMMIT.
    const bank = await createBank(server.url, 300, 71);
    const pool = new CandidatePool([server.url], bank);
    await pool.startExams(24, { maxItems: 12, seThreshold: 0 }, 'bouncer');

    // Exams of a test definition also write the candidate's proficiency in the answer's statement.
    const definitionId = await createDefinition(server.url, bank.bankId, { maxItems: 12, seThreshold: 0, feedback: 'theta' });
    for (let i = 0; i < 8; i++) {
      const started = await call(server.url, 'POST', '/v1/exams', { headers: { 'x-api-key': ADMIN_KEY }, body: { testDefinitionId: definitionId, candidateId: `defined-${i}` } });
      expect(started.status).toBe(201);
      pool.exams.push({ examId: started.body.examId, token: started.body.token, itemId: started.body.item.id, done: false, acks: [] });
    }

    await pool.run();
    expect(pool.exams.filter((exam) => exam.failure)).toEqual([]);
    expect(pool.exams.every((exam) => exam.done && exam.acks.length === 12)).toBe(true);
    for (const outcome of pool.outcomes.keys()) expect(['200', '409 SUBMISSION_IN_PROGRESS']).toContain(outcome);
    // Checked on a direct connection, not through PgBouncer.
    await verifyExams(database.url, pool.exams);
    const proficiencies = await query(database.url, 'SELECT count(*)::int AS n FROM proficiency WHERE bank_id = $1', [bank.bankId]);
    expect(proficiencies.rows[0].n).toBe(8);

    // The sweep's advisory lock is transaction-scoped, so it holds through PgBouncer: an idle exam is expired.
    await pool.startExams(1, { maxItems: 12 }, 'idle');
    const idle = pool.exams.at(-1)!;
    await query(database.url, `UPDATE exam_session SET last_activity_at = now() - interval '2 hours' WHERE id = $1`, [idle.examId]);
    const deadline = Date.now() + 10_000;
    let status = 'ACTIVE';
    while (status === 'ACTIVE' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = (await query(database.url, 'SELECT status FROM exam_session WHERE id = $1', [idle.examId])).rows[0].status;
    }
    expect(status).toBe('EXPIRED');

    // The traffic really went through PgBouncer, in transaction mode, on at most SERVER_CONNECTIONS connections.
    const config = Object.fromEntries((await bouncer.show('CONFIG')).map((row) => [row.key, row.value]));
    expect(config.pool_mode).toBe('transaction');
    const stats = (await bouncer.show('STATS')).find((row) => row.database === database.name)!;
    expect(Number(stats.total_xact_count)).toBeGreaterThan(pool.acknowledged);
    const pools = (await bouncer.show('POOLS')).find((row) => row.database === database.name)!;
    expect(Number(pools.sv_active) + Number(pools.sv_idle) + Number(pools.sv_used) + Number(pools.sv_tested) + Number(pools.sv_login)).toBeLessThanOrEqual(SERVER_CONNECTIONS);
  });
});
