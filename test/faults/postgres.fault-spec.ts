import type { ChildProcess } from 'node:child_process';
import { spawnServer, stopServer } from '../support/server-process.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { POSTGRES_ADMIN_URL } from '../setup/test-env.js';
import { ADMIN } from '../support/exam-fixtures.js';
import { CandidatePool, call, createBank, createFaultDatabase, query, verifyExams } from './support/fault-harness.js';
import { RedisServer } from './support/redis-server.js';

const LOCK_TTL_MS = 300;
const CONNECT_TIMEOUT_MS = 1_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Postgres faults', () => {
  const postgres = new URL(POSTGRES_ADMIN_URL);
  // The server reaches Postgres only through this proxy: cutting it is a real network failure.
  const proxy = new TcpProxy(postgres.hostname, Number(postgres.port || 5432));
  let database: Awaited<ReturnType<typeof createFaultDatabase>>;
  let redis: RedisServer;
  let server: { url: string; child: ChildProcess };
  let bank: Awaited<ReturnType<typeof createBank>>;

  beforeAll(async () => {
    database = await createFaultDatabase('postgres');
    redis = await RedisServer.start();
    const viaProxy = new URL(database.url);
    viaProxy.port = String(await proxy.start());
    server = await spawnServer({
      env: {
        DATABASE_URL: viaProxy.toString(),
        DATABASE_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
        REDIS_URL: redis.url,
        REDIS_KEY_PREFIX: 'fault:',
        LOCK_TTL_MS: String(LOCK_TTL_MS),
      },
    });
    bank = await createBank(server.url, 300, 71);
  });

  afterAll(async () => {
    proxy.resume();
    if (server) await stopServer(server.child);
    await proxy.stop();
    await redis?.stop();
    await database?.drop();
  });

  it('should fail answers fast with 503 DATABASE_UNAVAILABLE while Postgres is down, then continue the same exams', async () => {
    const pool = new CandidatePool([server.url], bank, { retryMs: 50 });
    await pool.startExams(16, { maxItems: 25, seThreshold: 0 }, 'pg-down');
    const running = pool.run();
    await pool.untilAcknowledged(120);

    await proxy.stop();
    const downAt = Date.now();
    await sleep(1_500);
    await proxy.restart();
    const upAt = Date.now();
    await running;

    const duringOutage = pool.latencies.filter((l) => l.startedAt >= downAt && l.startedAt + l.ms <= upAt);
    const refused = duringOutage.filter((l) => l.outcome === '503 DATABASE_UNAVAILABLE');
    expect(refused.length).toBeGreaterThan(0);
    // Bounded by the connection timeout, never a hang.
    expect(Math.max(...refused.map((l) => l.ms))).toBeLessThan(CONNECT_TIMEOUT_MS + 500);
    for (const outcome of pool.outcomes.keys()) expect(['200', '503 DATABASE_UNAVAILABLE', '409 SUBMISSION_IN_PROGRESS']).toContain(outcome);
    expect(pool.exams.filter((exam) => exam.failure)).toEqual([]);
    expect(pool.exams.every((exam) => exam.done)).toBe(true);
    // Nothing half-written: every acknowledged answer once, counters and θ consistent with the responses.
    await verifyExams(database.url, pool.exams);
    expect((await call(server.url, 'GET', '/health/ready')).status).toBe(200);
  });

  it('should not double-write when a submission holds the lock past LOCK_TTL_MS (the database guard holds)', async () => {
    // A bank of its own: the start reads its version and loads it, so the first answer (sent at once) has nothing to
    // ask Postgres before it takes the lock. On a bank whose version was read almost a second earlier, it could stall
    // on the version check instead and meet the second answer at the lock.
    const ownBank = await createBank(server.url, 20, 72);
    const started = await call(server.url, 'POST', '/v1/exams', { body: { bankId: ownBank.bankId, candidateId: 'slow-writer' }, headers: ADMIN });
    expect(started.status).toBe(201);
    const { examId, token } = started.body;
    const itemId = started.body.item.id as string;
    const correct = ownBank.correctKeyOf.get(itemId)!;
    const wrong = ['A', 'B', 'C', 'D'].find((key) => key !== correct)!;
    const submit = (answer: string) =>
      call(server.url, 'POST', `/v1/exams/${examId}/answers`, { body: { itemId, answer }, headers: { authorization: `Bearer ${token}` } });

    // The first submission takes the lock, then waits on a stalled Postgres far past the lock's TTL…
    proxy.stall();
    const first = submit(correct);
    await sleep(LOCK_TTL_MS * 3);
    // …so a second, different answer to the same item gets the expired lock and races it.
    const second = submit(wrong);
    await sleep(100);
    proxy.resume();
    const replies = await Promise.all([first, second]);

    const outcomes = replies.map((r) => (r.status === 200 ? '200' : `${r.status} ${r.body.code}`)).sort();
    expect(outcomes).toEqual(['200', '409 ALREADY_ANSWERED']);
    const winner = replies.find((r) => r.status === 200)!;
    const { rows } = await query(database.url, 'SELECT answer FROM response WHERE session_id = $1', [examId]);
    expect(rows).toHaveLength(1);
    expect(rows[0].answer).toBe(winner === replies[0] ? correct : wrong);
    // The winner's request, repeated, is a replay that records nothing new.
    const replay = await submit(rows[0].answer);
    expect(replay).toEqual({ status: 200, body: winner.body });
    expect((await query(database.url, 'SELECT count(*)::int AS n FROM response WHERE session_id = $1', [examId])).rows[0].n).toBe(1);
  });
});
