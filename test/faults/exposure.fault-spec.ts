import type { ChildProcess } from 'node:child_process';
import { ADMIN, bearer, makeItems } from '../support/exam-fixtures.js';
import { spawnServer, stopServer } from '../support/server-process.js';
import { call, createFaultDatabase, eventually } from './support/fault-harness.js';

/**
 * Exposure control across a fleet: two instances sharing Postgres and Redis, each seeing the other's administrations
 * only through the counts they add to Postgres about once a second.
 */

const EXAMS = 400;
const ITEMS_PER_EXAM = 10;
const MAX_EXPOSURE = 0.25;
/** The acceptance bound: the target plus what the other instance's counts not yet seen may add. */
const TOLERATED_RATE = 0.27;
/**
 * Candidates take tens of seconds per item, so a sync period is a sliver of an exam. Here an exam lasts a fraction
 * of a second: the period is scaled down with it (and a candidate thinks for a few milliseconds per item).
 */
const SYNC_MS = 200;
const THINK_MS = 20;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Exposure control across two instances', () => {
  let database: Awaited<ReturnType<typeof createFaultDatabase>>;
  const servers: { url: string; child: ChildProcess }[] = [];

  beforeAll(async () => {
    database = await createFaultDatabase('exposure');
    for (let i = 0; i < 2; i++) servers.push(await spawnServer({ env: { DATABASE_URL: database.url, EXPOSURE_SYNC_MS: String(SYNC_MS) } }));
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => stopServer(server.child)));
    await database?.drop();
  });

  /** One exam on `url`: start, then answer until done (first option each time). */
  async function exam(url: string, bankId: string, n: number): Promise<void> {
    const config = { minItems: ITEMS_PER_EXAM, maxItems: ITEMS_PER_EXAM, seThreshold: 0, selection: { maxExposure: MAX_EXPOSURE } };
    const started = await call(url, 'POST', '/v1/exams', { headers: ADMIN, body: { bankId, candidateId: `fleet-${n}`, config } });
    expect(started.status).toBe(201);
    let item = started.body.item as { id: string; options: { key: string }[] } | null;
    while (item) {
      await sleep(THINK_MS);
      const res = await call(url, 'POST', `/v1/exams/${started.body.examId}/answers`, {
        headers: bearer(started.body.token),
        body: { itemId: item.id, answer: item.options[(n + item.id.charCodeAt(0)) % item.options.length].key },
      });
      expect(res.status).toBe(200);
      item = res.body.item;
    }
  }

  it(`should keep every item at or under ${TOLERATED_RATE} over ${EXAMS} exams with maxExposure ${MAX_EXPOSURE}, counting every administration`, async () => {
    const [first] = servers;
    const bank = await call(first.url, 'POST', '/v1/item-banks', { headers: ADMIN, body: { name: 'fleet exposure' } });
    const bankId = bank.body.id as string;
    expect((await call(first.url, 'POST', `/v1/item-banks/${bankId}/items`, { headers: ADMIN, body: { items: makeItems(200, 77, 'fleet') } })).status).toBe(201);

    // Eight candidates at a time, alternating instances.
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < EXAMS) {
          const n = next++;
          await exam(servers[n % 2].url, bankId, n);
        }
      }),
    );

    // Both instances add their counts to Postgres within about a second.
    let report: { examsStarted: number; maxRate: number; items: { administrations: number; rate: number }[] } | undefined;
    await eventually(
      async () => {
        const res = await call(first.url, 'GET', `/v1/item-banks/${bankId}/exposure?limit=1000`, { headers: ADMIN });
        report = res.body;
        return res.status === 200 && report!.examsStarted === EXAMS && report!.items.reduce((sum, item) => sum + item.administrations, 0) === EXAMS * ITEMS_PER_EXAM;
      },
      10_000,
      'both instances to flush their counts',
    );
    if (!report) throw new Error('no report');
    expect(report.maxRate).toBeLessThanOrEqual(TOLERATED_RATE);
    expect(Math.max(...report.items.map((item) => item.rate))).toBe(report.maxRate);
  });

  it('should leave a calibration INTERRUPTED and its counts flushed when its instance stops, and resume it from its last iteration', async () => {
    const worker = await spawnServer({ env: { DATABASE_URL: database.url, EXPOSURE_SYNC_MS: '60000' } });
    const bank = await call(worker.url, 'POST', '/v1/item-banks', { headers: ADMIN, body: { name: 'calibration' } });
    const bankId = bank.body.id as string;
    expect((await call(worker.url, 'POST', `/v1/item-banks/${bankId}/items`, { headers: ADMIN, body: { items: makeItems(300, 78, 'cal') } })).status).toBe(201);
    // An exam started just before the stop: its count is only in the instance's memory (the period is a minute).
    const config = { minItems: 10, maxItems: 10, seThreshold: 0 };
    expect((await call(worker.url, 'POST', '/v1/exams', { headers: ADMIN, body: { bankId, candidateId: 'last', config } })).status).toBe(201);

    const body = { targetRate: 0.2, simulees: 2000, maxIterations: 40, config };
    const started = await call(worker.url, 'POST', `/v1/item-banks/${bankId}/exposure-control`, { headers: ADMIN, body });
    expect(started.status).toBe(202);
    const progress = async (url: string) => (await call(url, 'GET', `/v1/item-banks/${bankId}/exposure-control`, { headers: ADMIN })).body;
    await eventually(async () => (await progress(worker.url)).iteration >= 1, 60_000, 'a first iteration');
    await stopServer(worker.child);

    const [other] = servers;
    const interrupted = await progress(other.url);
    expect(interrupted).toMatchObject({ id: started.body.id, status: 'INTERRUPTED' });
    expect(interrupted.iteration).toBeGreaterThanOrEqual(1);
    const exposure = await call(other.url, 'GET', `/v1/item-banks/${bankId}/exposure`, { headers: ADMIN });
    expect(exposure.body.examsStarted).toBe(1);

    const resumed = await call(other.url, 'POST', `/v1/item-banks/${bankId}/exposure-control`, { headers: ADMIN, body });
    expect(resumed.status).toBe(202);
    expect(resumed.body).toMatchObject({ status: 'RUNNING', resumedFrom: started.body.id, iteration: interrupted.iteration });
    await eventually(async () => (await progress(other.url)).iteration > interrupted.iteration, 60_000, 'the next iteration');
    // Stop it here too (the suite's servers stop at the end); a new POST would resume again.
  });
});

