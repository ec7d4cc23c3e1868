import type { ChildProcess } from 'node:child_process';
import type { Redis } from 'ioredis';
import { spawnServer, stopServer } from '../support/server-process.js';
import { ADMIN } from '../support/exam-fixtures.js';
import { CandidatePool, call, createBank, createFaultDatabase, eventually, verifyExams } from './support/fault-harness.js';
import { RedisServer } from './support/redis-server.js';

const KEY_PREFIX = 'fault:';
const COMMAND_TIMEOUT_MS = 200;
const stateKey = (examId: string) => `${KEY_PREFIX}{exam:${examId}}:state`;
const lockKey = (examId: string) => `${KEY_PREFIX}{exam:${examId}}:lock`;
const EXAM_CONFIG = { maxItems: 30, seThreshold: 0 };

/** Replies a fault may cause and a candidate retries; anything else is a failure of the service. */
function expectOnlyExpectedOutcomes(pool: CandidatePool, allowed: string[]): void {
  for (const outcome of pool.outcomes.keys()) expect(['200', ...allowed]).toContain(outcome);
  expect(pool.exams.filter((exam) => exam.failure)).toEqual([]);
}

describe('Redis faults under load', () => {
  let database: Awaited<ReturnType<typeof createFaultDatabase>>;
  let redis: RedisServer;
  let client: Redis;
  let server: { url: string; child: ChildProcess };
  let bank: Awaited<ReturnType<typeof createBank>>;

  beforeAll(async () => {
    database = await createFaultDatabase('redis');
    redis = await RedisServer.start();
    client = redis.client();
    server = await spawnServer({
      env: {
        DATABASE_URL: database.url,
        REDIS_URL: redis.url,
        REDIS_KEY_PREFIX: KEY_PREFIX,
        REDIS_COMMAND_TIMEOUT_MS: String(COMMAND_TIMEOUT_MS),
        LOCK_TTL_MS: '5000',
      },
    });
    bank = await createBank(server.url, 400, 61);
  });

  afterAll(async () => {
    if (server) await stopServer(server.child);
    client?.disconnect();
    await redis?.stop();
    await database?.drop();
  });

  afterEach(() => {
    // Whatever a test did to it, the next one starts with a Redis that answers.
    redis.resume();
  });

  it('should keep exams going through the fallback when Redis is killed, and rebuild the hot state after it returns', async () => {
    const pool = new CandidatePool([server.url], bank);
    await pool.startExams(32, EXAM_CONFIG, 'killed');
    const running = pool.run();

    await pool.untilAcknowledged(150);
    await redis.kill();
    await pool.untilAcknowledged(150); // on Postgres alone
    await redis.restart();
    // The service reconnects on its own (backing off up to 2 s); from then on it writes hot state again.
    await eventually(
      async () => (await call(server.url, 'GET', '/v1/admin/stats', { headers: ADMIN })).body?.redis?.connected === true,
      10_000,
      'the service to reconnect to Redis',
    );
    const answeredAtRestart = new Map(pool.exams.map((exam) => [exam.examId, exam.acks.length]));
    await pool.untilAcknowledged(100);
    pool.stop();
    await running;

    // Every exam answered since the restart has its hot state back, at the version Postgres holds.
    const answeredSince = pool.exams.filter((exam) => !exam.done && exam.acks.length > answeredAtRestart.get(exam.examId)!);
    expect(answeredSince.length).toBeGreaterThan(0);
    for (const exam of answeredSince) {
      const state = await client.getBuffer(stateKey(exam.examId));
      expect(state).not.toBeNull();
      expect(state!.readUInt32BE(0)).toBe(exam.acks.length);
    }

    await pool.run();
    expect(pool.exams.every((exam) => exam.done)).toBe(true);
    expectOnlyExpectedOutcomes(pool, ['409 SUBMISSION_IN_PROGRESS']);
    await verifyExams(database.url, pool.exams);
    expect((await call(server.url, 'GET', '/health/ready')).status).toBe(200);
  });

  it('should lose nothing when Redis is flushed mid-load', async () => {
    const pool = new CandidatePool([server.url], bank);
    await pool.startExams(32, EXAM_CONFIG, 'flushed');
    const running = pool.run();
    await pool.untilAcknowledged(200);
    await redis.flushAll();
    await pool.untilAcknowledged(100);
    await redis.flushAll();
    await running;

    expect(pool.exams.every((exam) => exam.done)).toBe(true);
    expectOnlyExpectedOutcomes(pool, ['409 SUBMISSION_IN_PROGRESS']);
    await verifyExams(database.url, pool.exams);
  });

  it('should answer within the Redis budget while Redis is stalled, and leave no stale lock behind after it resumes', async () => {
    const pool = new CandidatePool([server.url], bank);
    await pool.startExams(24, EXAM_CONFIG, 'stalled');
    const running = pool.run();
    await pool.untilAcknowledged(100);

    redis.pause();
    const stalledAt = Date.now();
    await pool.untilAcknowledged(150); // served from Postgres while every Redis command times out
    const stallMs = Math.max(Date.now() - stalledAt, 4 * COMMAND_TIMEOUT_MS);
    await new Promise((resolve) => setTimeout(resolve, stallMs - (Date.now() - stalledAt)));
    redis.resume();
    const resumedAt = Date.now();
    pool.stop();
    await running;

    // Requests that started during the stall: bounded by the Redis budget plus ordinary latency.
    const duringStall = pool.latencies.filter((l) => l.startedAt >= stalledAt && l.startedAt < resumedAt);
    expect(duringStall.length).toBeGreaterThan(0);
    const slowest = Math.max(...duringStall.map((l) => l.ms));
    console.log(`stall: ${duringStall.length} answers, slowest ${slowest} ms, command timeout ${COMMAND_TIMEOUT_MS} ms`);
    expect(slowest).toBeLessThan(COMMAND_TIMEOUT_MS + 1_000);

    // Commands that timed out ran when Redis resumed; a lock taken that way must not outlive the stall.
    await eventually(
      async () => (await Promise.all(pool.exams.map((exam) => client.exists(lockKey(exam.examId))))).every((held) => held === 0),
      2_000,
      'locks taken by timed-out commands to be released',
    );
    const blockedFrom = pool.latencies.length;
    await pool.run();
    const blockedAfterResume = pool.latencies.slice(blockedFrom).filter((l) => l.outcome === '409 SUBMISSION_IN_PROGRESS');
    expect(blockedAfterResume).toEqual([]);

    expect(pool.exams.every((exam) => exam.done)).toBe(true);
    expectOnlyExpectedOutcomes(pool, ['409 SUBMISSION_IN_PROGRESS']);
    await verifyExams(database.url, pool.exams);
  });
});
