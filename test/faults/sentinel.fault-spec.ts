import type { ChildProcess } from 'node:child_process';
import { ADMIN } from '../support/exam-fixtures.js';
import { spawnServer, stopServer } from '../support/server-process.js';
import { type CandidateExam, CandidatePool, call, createBank, createFaultDatabase, eventually, verifyExams } from './support/fault-harness.js';
import { type RedisProcess, SentinelGroup } from './support/redis-sentinel.js';

const KEY_PREFIX = 'sentinel:';
const stateKey = (examId: string) => `${KEY_PREFIX}{exam:${examId}}:state`;
/** The service names its connection, so `CLIENT LIST` on a node tells whether the service is connected to it. */
const CONNECTION_NAME = 'adaptive-testing-backend';
const EXAM_CONFIG = { maxItems: 60, seThreshold: 0 };
/** Candidates answer at a human pace until the failover is over, so that every exam is still running then. */
const THINK_MS = 150;

/** The version of each exam's hot state on `node` (null: none there). */
async function stateVersions(node: RedisProcess, examIds: string[]): Promise<(number | null)[]> {
  const client = node.client();
  try {
    const states = await Promise.all(examIds.map((examId) => client.getBuffer(stateKey(examId))));
    return states.map((state) => (state ? state.readUInt32BE(0) : null));
  } finally {
    client.disconnect();
  }
}

async function serviceConnectedTo(node: RedisProcess): Promise<boolean> {
  const clients = String(await node.command('CLIENT', 'LIST'));
  return clients.split('\n').some((line) => line.includes(`name=${CONNECTION_NAME} `));
}

/**
 * The hot state on `master` was older than Postgres when the service reached it (answers were served from Postgres
 * meanwhile); every exam answered since then has its state back at the version Postgres holds.
 */
async function expectStateRebuilt(master: RedisProcess, exams: CandidateExam[], versionsAtFailover: (number | null)[], answeredAtFollow: number[]) {
  exams.forEach((_, i) => expect(versionsAtFailover[i] ?? -1).toBeLessThan(answeredAtFollow[i]!));
  const versions = await stateVersions(master, exams.map((exam) => exam.examId));
  const answeredSince = exams.filter((exam, i) => !exam.done && exam.acks.length > answeredAtFollow[i]!);
  expect(answeredSince.length).toBeGreaterThan(0);
  for (const exam of answeredSince) expect(versions[exams.indexOf(exam)]).toBe(exam.acks.length);
}

describe('Redis Sentinel failover under load', () => {
  let database: Awaited<ReturnType<typeof createFaultDatabase>> | undefined;
  let group: SentinelGroup | undefined;
  let server: { url: string; child: ChildProcess } | undefined;
  let bank: Awaited<ReturnType<typeof createBank>>;
  /** Every pool a test drove, so that none keeps retrying against a stopped server after a failure. */
  const pools: CandidatePool[] = [];
  const pacedPool = () => {
    const pool = new CandidatePool([server!.url], bank, { thinkMs: THINK_MS });
    pools.push(pool);
    return pool;
  };

  beforeAll(async () => {
    [database, group] = await Promise.all([createFaultDatabase('sentinel'), SentinelGroup.reserve()]);
    // Started before any Sentinel runs: start-up must not wait for Redis; the client connects once they answer.
    server = await spawnServer({
      env: {
        DATABASE_URL: database.url,
        // With Sentinels, REDIS_URL supplies only credentials and the database number.
        REDIS_URL: 'redis://127.0.0.1:6379/0',
        REDIS_SENTINELS: group.sentinelList,
        REDIS_SENTINEL_MASTER: group.masterName,
        REDIS_KEY_PREFIX: KEY_PREFIX,
        REDIS_COMMAND_TIMEOUT_MS: '500',
        // A lock replicated just before the kill outlives its holder on the promoted replica: keep that wait short.
        LOCK_TTL_MS: '2000',
      },
    });
    await group.start();
    bank = await createBank(server.url, 400, 71);
  });

  afterAll(async () => {
    for (const pool of pools) pool.stop();
    // Each step on its own, so that one failing still lets the others clean up.
    await Promise.allSettled([server && stopServer(server.child)]);
    await Promise.allSettled([group?.stop(), database?.drop()]);
  });

  /** Runs every exam to its end at full speed; no answer lost or duplicated, no reply the API does not document. */
  async function finishAndVerify(paced: CandidatePool, others: CandidateExam[] = []): Promise<void> {
    const rest = new CandidatePool([server!.url], bank);
    pools.push(rest);
    rest.exams.push(...paced.exams, ...others);
    await rest.run();
    expect(rest.exams.filter((exam) => exam.failure)).toEqual([]);
    expect(rest.exams.every((exam) => exam.done)).toBe(true);
    // A lock replicated just before the failover may hold its exam for LOCK_TTL_MS: a documented, retried 409.
    for (const outcome of [...paced.outcomes.keys(), ...rest.outcomes.keys()]) expect(['200', '409 SUBMISSION_IN_PROGRESS']).toContain(outcome);
    await verifyExams(database!.url, rest.exams);
  }

  it('should keep exams going when the master is killed, follow the promoted replica and rebuild the state it lost', async () => {
    const { master, replica } = group!;
    const url = server!.url;
    await eventually(() => serviceConnectedTo(master), 10_000, 'the service to connect to the master once the Sentinels run');
    const paced = pacedPool();
    await paced.startExams(12, EXAM_CONFIG, 'killed');
    const running = paced.run();
    await paced.untilAcknowledged(60);

    const killedAt = Date.now();
    await master.kill();
    // The replica is read-only until promoted, so what it holds now is what the new master starts from.
    const versionsAtFailover = await stateVersions(replica, paced.exams.map((exam) => exam.examId));
    expect(versionsAtFailover.every((version) => version !== null)).toBe(true);
    await group!.awaitPromotion(replica);
    const promotedAt = Date.now();
    await eventually(() => serviceConnectedTo(replica), 10_000, 'the service to follow the promoted replica');
    const answeredAtFollow = paced.exams.map((exam) => exam.acks.length);
    console.log(`master killed: replica promoted after ${promotedAt - killedAt} ms, followed ${Date.now() - promotedAt} ms later`);

    // Answers were accepted all along; while there was no master, from Postgres alone.
    expect(paced.latencies.filter((l) => l.outcome === '200' && l.startedAt >= killedAt && l.startedAt < promotedAt).length).toBeGreaterThan(0);
    const stats = await call(url, 'GET', '/v1/admin/stats', { headers: ADMIN });
    expect(stats.body.redis.fallbacks).toBeGreaterThan(0);

    // New exams keep their hot state on the new master, with its sliding TTL.
    const late = new CandidatePool([url], bank);
    await late.startExams(4, EXAM_CONFIG, 'late');
    const client = replica.client();
    try {
      for (const exam of late.exams) {
        expect((await client.getBuffer(stateKey(exam.examId)))?.readUInt32BE(0)).toBe(0);
        expect(await client.ttl(stateKey(exam.examId))).toBeGreaterThan(0);
      }
    } finally {
      client.disconnect();
    }

    await paced.untilAcknowledged(60);
    paced.stop();
    await running;
    await expectStateRebuilt(replica, paced.exams, versionsAtFailover, answeredAtFollow);
    await finishAndVerify(paced, late.exams);
    const ready = await call(url, 'GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.details.redis.status).toBe('up');
  }, 60_000);

  // Continues from the first test: the replica is the master now, the old master is gone.
  it('should follow a failover away from a master that hangs, whose connections never close', async () => {
    const { master: rejoined, replica: current } = group!;
    await group!.rejoin(rejoined, current);
    const paced = pacedPool();
    await paced.startExams(6, EXAM_CONFIG, 'hung');
    const running = paced.run();
    await paced.untilAcknowledged(30);

    // Paused, not killed: the service's connection stays open, only the Sentinels' announcement tells it to move.
    const pausedAt = Date.now();
    current.pause();
    const versionsAtFailover = await stateVersions(rejoined, paced.exams.map((exam) => exam.examId));
    await group!.awaitPromotion(rejoined);
    const promotedAt = Date.now();
    await eventually(() => serviceConnectedTo(rejoined), 10_000, 'the service to leave the hung master');
    const answeredAtFollow = paced.exams.map((exam) => exam.acks.length);
    console.log(`master hung: replica promoted after ${promotedAt - pausedAt} ms, followed ${Date.now() - promotedAt} ms later`);

    await paced.untilAcknowledged(30);
    paced.stop();
    await running;
    await expectStateRebuilt(rejoined, paced.exams, versionsAtFailover, answeredAtFollow);
    await finishAndVerify(paced);
  }, 60_000);
});
