import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import pg from 'pg';
import { KNOWN_EXAMS_BYTES } from '../../src/adaptive-exam/exam-access.service.js';
import { MAX_EXAM_CONFIG_BYTES } from '../../src/irt/exam-config.js';
import { ADMIN, bearer, makeItems } from '../support/exam-fixtures.js';
import { spawnServer, stopServer } from '../support/server-process.js';
import { metricsAuth } from '../support/test-app.js';
import { call, createFaultDatabase, eventually, query } from './support/fault-harness.js';
import { RedisServer } from './support/redis-server.js';

/**
 * What one anonymous or hostile client can do to an instance, and the fixed ceilings that stop it: bounded exam
 * configs, client timeouts, readable 413s, imports that do not stall the event loop, retention, rate limits.
 */

const HEADERS_TIMEOUT_MS = 2_000;
const REQUEST_TIMEOUT_MS = 3_000;
/** Node checks the timeouts once a second (CONNECTIONS_CHECKING_INTERVAL_MS), and a loaded machine adds a little. */
const CHECK_SLACK_MS = 1_500;
/** Documented bound (README, "Limits"): Postgres per exam start. */
const STORED_BYTES_PER_START = MAX_EXAM_CONFIG_BYTES;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A content area name of 100 characters that does not compress (the worst case for storage). */
const AREA = (k: number) => `area-${k}-${createHash('sha256').update(String(k)).digest('hex')}${createHash('sha256').update(`${k}!`).digest('hex')}`.slice(0, 100);

/** A sample of the instance's Prometheus text. */
async function sample(url: string, name: string): Promise<number> {
  const res = await fetch(`${url}/metrics`, { headers: metricsAuth() });
  const line = (await res.text()).split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.split(' ').pop()) : Number.NaN;
}

/** Runs `task` for 0…count-1 with at most `concurrency` at a time. */
async function inParallel<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

/** A plain candidate's exam: start, then answer `answers` items; every status it met. */
async function ordinaryExam(url: string, bankId: string, answers: number): Promise<number[]> {
  const statuses: number[] = [];
  const started = await call(url, 'POST', '/v1/exams', { headers: ADMIN, body: { bankId, candidateId: 'ordinary', config: { maxItems: answers + 1 } } });
  statuses.push(started.status);
  let item = started.body.item as { id: string; options: { key: string }[] } | null;
  for (let i = 0; i < answers && item; i++) {
    const res = await call(url, 'POST', `/v1/exams/${started.body.examId}/answers`, {
      headers: bearer(started.body.token),
      body: { itemId: item.id, answer: item.options[0].key },
    });
    statuses.push(res.status);
    item = res.body.item;
  }
  return statuses;
}

describe('Abuse resistance', () => {
  let database: Awaited<ReturnType<typeof createFaultDatabase>>;
  let server: { url: string; child: ChildProcess };

  beforeAll(async () => {
    database = await createFaultDatabase('abuse');
    server = await spawnServer({
      env: {
        DATABASE_URL: database.url,
        HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
        HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
        RETENTION_DAYS: '30',
        // A ceiling far below what the unbounded configs of old needed (5 MB per start): a leak ends the process.
        NODE_OPTIONS: '--max-old-space-size=192',
      },
    });
  });
  afterAll(async () => {
    if (server) await stopServer(server.child);
    await database?.drop();
  });

  const admin = async (method: string, path: string, body?: unknown) => call(server.url, method, path, { headers: ADMIN, body });

  /** A bank of `count` items spread over `areas` content areas; its id. */
  async function bankWithAreas(count: number, areas: number): Promise<string> {
    const bank = await admin('POST', '/v1/item-banks', { name: `areas ${areas}` });
    const items = makeItems(count, areas, `a${areas}`).map((item, i) => ({ ...item, contentArea: AREA(i % areas) }));
    expect((await admin('POST', `/v1/item-banks/${bank.body.id}/items`, { items })).status).toBe(201);
    return bank.body.id as string;
  }

  describe('bounded exam configs', () => {
    it('should hold 1,000 starts of the largest config the API accepts within the documented memory and storage bounds', async () => {
      const bankId = await bankWithAreas(128, 64);
      const contentBalance = Object.fromEntries(Array.from({ length: 64 }, (_, k) => [AREA(k), 1 / 64]));
      const largest = {
        feedback: 'theta',
        estimator: 'EAP',
        prior: { mean: 0, sd: 1 },
        thetaRange: [-20, 20],
        quadraturePoints: 501,
        startTheta: 0,
        selection: { rule: 'MFI', randomesque: 256, contentBalance, sympsonHetter: true },
        minItems: 1000,
        maxItems: 1000,
        seThreshold: 10,
      };
      const start = (config: unknown, candidateId = 'max') => call(server.url, 'POST', '/v1/exams', { headers: ADMIN, body: { bankId, candidateId, config } });
      // One step past it is refused.
      const moreAreas = { ...largest, selection: { ...largest.selection, contentBalance: { ...contentBalance, extra: 0 } } };
      expect((await start(moreAreas)).status).toBe(400);

      const storage = async () => Number((await query(database.url, "SELECT pg_total_relation_size('exam_session') AS bytes")).rows[0].bytes);
      const before = { heap: await sample(server.url, 'nodejs_heap_size_used_bytes'), stored: await storage() };
      const replies = await inParallel(1_000, 8, (i) => start(largest, `max-${i}`));
      expect(replies.filter((reply) => reply.status !== 201)).toEqual([]);
      const after = { heap: await sample(server.url, 'nodejs_heap_size_used_bytes'), stored: await storage() };

      const storedPerStart = (after.stored - before.stored) / 1_000;
      const heapGrowth = after.heap - before.heap;
      const { examCache } = (await admin('GET', '/v1/admin/stats')).body;
      console.log(
        `1,000 largest-config starts: Postgres +${Math.round(storedPerStart)} B per start; exam cache ${examCache.exams} exams in ` +
          `${(examCache.bytes / 2 ** 20).toFixed(1)} MB; heap used ${(heapGrowth / 2 ** 20).toFixed(1)} MB`,
      );
      expect(storedPerStart).toBeLessThanOrEqual(STORED_BYTES_PER_START);
      // Every exam's facts are cached here (each under 20 KB), within the cache's budget.
      expect(examCache.exams).toBeGreaterThanOrEqual(1_000);
      expect(examCache.bytes).toBeLessThanOrEqual(KNOWN_EXAMS_BYTES);
      expect(examCache.bytes / examCache.exams).toBeLessThan(20 * 1024);
      // Heap used includes garbage not yet collected: a loose check; the 192 MB old-space ceiling is the hard one.
      expect(heapGrowth).toBeLessThanOrEqual(64 * 2 ** 20);
      expect(server.child.exitCode).toBeNull();
      expect((await call(server.url, 'GET', '/health/ready')).status).toBe(200);
      expect(await ordinaryExam(server.url, bankId, 3)).toEqual([201, 200, 200, 200]);
    });
  });

  describe('slow clients', () => {
    /** Opens a connection, writes `first`, then `drip` every 250 ms until the server closes it; resolves with ms open. */
    function slowClient(first: string, drip: string): Promise<number> {
      return new Promise((resolve, reject) => {
        const openedAt = Date.now();
        const socket = net.connect({ host: '127.0.0.1', port: Number(new URL(server.url).port) }, () => socket.write(first));
        const timer = setInterval(() => socket.writable && socket.write(drip), 250);
        const giveUp = setTimeout(() => {
          socket.destroy();
          reject(new Error('still open after 20 s'));
        }, 20_000);
        socket.on('data', () => undefined);
        socket.on('error', () => undefined);
        socket.on('close', () => {
          clearInterval(timer);
          clearTimeout(giveUp);
          resolve(Date.now() - openedAt);
        });
      });
    }

    it('should close 100 slow-header and 100 slow-body clients within the timeouts while exams go on', async () => {
      const bankId = await bankWithAreas(40, 2);
      const slowHeaders = Array.from({ length: 100 }, () => slowClient('POST /v1/exams HTTP/1.1\r\nHost: x\r\n', 'x-slow: 1\r\n'));
      const slowBodies = Array.from({ length: 100 }, () =>
        slowClient('POST /v1/item-banks HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n{"name":"', 'x'),
      );
      await sleep(200);
      // Meanwhile, ordinary candidates are served as usual.
      const exams = await Promise.all(Array.from({ length: 4 }, () => ordinaryExam(server.url, bankId, 5)));
      expect(exams).toEqual(Array(4).fill([201, 200, 200, 200, 200, 200]));

      const headerTimes = await Promise.all(slowHeaders);
      const bodyTimes = await Promise.all(slowBodies);
      expect(Math.max(...headerTimes)).toBeLessThanOrEqual(HEADERS_TIMEOUT_MS + CHECK_SLACK_MS);
      expect(Math.min(...headerTimes)).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 100);
      expect(Math.max(...bodyTimes)).toBeLessThanOrEqual(REQUEST_TIMEOUT_MS + CHECK_SLACK_MS);
      expect(Math.min(...bodyTimes)).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 100);
      expect((await call(server.url, 'GET', '/health/ready')).status).toBe(200);
    });
  });

  describe('bodies over the limit', () => {
    /** POST of `body` with Node's own http client; `expectContinue` asks before sending it, as curl does. */
    function post(body: Buffer, expectContinue: boolean): Promise<{ status: number; body: unknown; sentBody: boolean }> {
      return new Promise((resolve, reject) => {
        let sentBody = false;
        const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': body.length, ...ADMIN };
        if (expectContinue) headers.expect = '100-continue';
        const req = http.request(`${server.url}/v1/item-banks`, { method: 'POST', headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')), sentBody }));
        });
        req.on('error', reject);
        const send = () => {
          sentBody = true;
          req.end(body);
        };
        if (expectContinue) req.on('continue', send);
        else send();
      });
    }

    it('should answer a 6 MB body with a 413 the client can read, asked for with Expect or not', async () => {
      const sixMegabytes = Buffer.from(JSON.stringify({ name: 'x'.repeat(6 * 1024 * 1024) }));
      const plain = await post(sixMegabytes, false);
      expect(plain).toMatchObject({ status: 413, body: { statusCode: 413, code: 'PAYLOAD_TOO_LARGE' }, sentBody: true });
      const asked = await post(sixMegabytes, true);
      // Refused before the body: no 100 Continue, so nothing was sent.
      expect(asked).toMatchObject({ status: 413, body: { code: 'PAYLOAD_TOO_LARGE' }, sentBody: false });
      expect((await call(server.url, 'GET', '/health/live')).status).toBe(200);
    });
  });

  describe('imports', () => {
    // An instance of its own: what is measured is the import's hold on the event loop, not the garbage collections
    // of the heap the 1,000 largest-config starts above leave behind.
    let importer: { url: string; child: ChildProcess };
    beforeAll(async () => {
      importer = await spawnServer({ env: { DATABASE_URL: database.url } });
    });
    afterAll(async () => {
      if (importer) await stopServer(importer.child);
    });

    it('should keep /health/live under 100 ms (p99) during a 10,000-item import', async () => {
      const bank = await call(importer.url, 'POST', '/v1/item-banks', { headers: ADMIN, body: { name: 'big import' } });
      const items = makeItems(10_000, 77, 'big').map((item) => ({ ...item, stem: item.stem.padEnd(180, '.') }));
      const body = JSON.stringify({ items });
      expect(body.length).toBeGreaterThan(4 * 1024 * 1024);

      let importing = true;
      const latencies: number[] = [];
      const probe = (async () => {
        while (importing) {
          const startedAt = performance.now();
          const res = await fetch(`${importer.url}/health/live`);
          await res.text();
          latencies.push(performance.now() - startedAt);
          await sleep(1);
        }
      })();
      await sleep(50);
      const imported = await fetch(`${importer.url}/v1/item-banks/${bank.body.id}/items`, {
        method: 'POST',
        headers: { ...ADMIN, 'content-type': 'application/json' },
        body,
      });
      await imported.text();
      importing = false;
      await probe;

      expect(imported.status).toBe(201);
      latencies.sort((a, b) => a - b);
      const p99 = latencies[Math.ceil(0.99 * latencies.length) - 1];
      console.log(`/health/live during a 10,000-item import: ${latencies.length} probes, p99 ${p99.toFixed(1)} ms, max ${latencies.at(-1)!.toFixed(1)} ms`);
      // Enough probes that the p99 is not simply the slowest one: what remains of the stall (parsing the 5 MB body, a
      // scavenge: 57-125 ms on this VM) delays the one probe in flight, while a stall of the kind this guards against
      // (the import validated and written synchronously held the event loop for 1.0-1.4 s) shows in the worst probe.
      expect(latencies.length).toBeGreaterThan(100);
      expect(p99).toBeLessThan(100);
      expect(latencies.at(-1)!).toBeLessThan(500);
    });
  });

  describe('retention', () => {
    const PURGE_LOCK_KEY = 0x43415452;

    it('should delete only exams and launch tokens past RETENTION_DAYS, keep proficiencies, and let one instance purge at a time', async () => {
      const bankId = await bankWithAreas(30, 2);
      const definition = await admin('POST', `/v1/item-banks/${bankId}/test-definitions`, { name: 'kept', config: { maxItems: 2 } });
      const examOf = async (candidateId: string, fromDefinition = false) => {
        const body = fromDefinition ? { testDefinitionId: definition.body.id, candidateId } : { bankId, candidateId };
        const started = await admin('POST', '/v1/exams', body);
        expect(started.status).toBe(201);
        const item = started.body.item as { id: string; options: { key: string }[] };
        await call(server.url, 'POST', `/v1/exams/${started.body.examId}/answers`, { headers: bearer(started.body.token), body: { itemId: item.id, answer: 'A' } });
        return started.body as { examId: string; token: string };
      };
      const exams = {
        completedLongAgo: await examOf('old-completed', true),
        expiredLongAgo: await examOf('old-expired'),
        revokedLongAgo: await examOf('old-revoked'),
        completedRecently: await examOf('recent-completed'),
        activeButIdleLongAgo: await examOf('old-active'),
      };
      for (const exam of [exams.completedLongAgo, exams.completedRecently]) await call(server.url, 'POST', `/v1/exams/${exam.examId}/finish`, { headers: bearer(exam.token) });
      await admin('POST', `/v1/exams/${exams.revokedLongAgo.examId}/revoke`);
      const db = new pg.Client({ connectionString: database.url });
      await db.connect();
      try {
        const ago = (days: number) => `now() - interval '${days} days'`;
        await db.query(`UPDATE exam_session SET ended_at = ${ago(40)} WHERE id = ANY($1::uuid[])`, [[exams.completedLongAgo.examId, exams.revokedLongAgo.examId]]);
        await db.query(`UPDATE exam_session SET status = 'EXPIRED', ended_at = ${ago(40)}, last_activity_at = ${ago(40)} WHERE id = $1`, [exams.expiredLongAgo.examId]);
        await db.query(`UPDATE exam_session SET ended_at = ${ago(20)} WHERE id = $1`, [exams.completedRecently.examId]);
        // Active, idle for 40 days, never swept: not ended, so not purged.
        await db.query(`UPDATE exam_session SET last_activity_at = ${ago(40)} WHERE id = $1`, [exams.activeButIdleLongAgo.examId]);

        const launch = async (candidateId: string, expiredDaysAgo: number | null) => {
          const res = await admin('POST', '/v1/launches', { testDefinitionId: definition.body.id, candidateId });
          const hash = createHash('sha256').update(res.body.launchToken as string).digest('hex');
          if (expiredDaysAgo !== null) await db.query(`UPDATE launch SET expires_at = ${ago(expiredDaysAgo)}, created_at = ${ago(expiredDaysAgo)} WHERE token_hash = $1`, [hash]);
          return hash;
        };
        const launches = { oldUnused: await launch('l1', 40), oldUsed: await launch('l2', 35), recent: await launch('l3', 20), live: await launch('l4', null) };
        await db.query(`UPDATE launch SET used_at = expires_at, exam_id = gen_random_uuid() WHERE token_hash = $1`, [launches.oldUsed]);

        const ids = Object.values(exams).map((exam) => exam.examId);
        const state = async () => ({
          exams: (await db.query('SELECT id FROM exam_session WHERE id = ANY($1::uuid[]) ORDER BY id', [ids])).rows.map((row) => row.id as string),
          responses: Number((await db.query('SELECT count(*) FROM response WHERE session_id = ANY($1::uuid[])', [ids])).rows[0].count),
          launches: (await db.query('SELECT token_hash FROM launch WHERE token_hash = ANY($1::char(64)[]) ORDER BY token_hash', [Object.values(launches)])).rows.map(
            (row) => row.token_hash as string,
          ),
          proficiency: (await db.query("SELECT session_id FROM proficiency WHERE candidate_id = 'old-completed'")).rows.map((row) => row.session_id as string),
        });
        const before = await state();
        expect(before.exams).toHaveLength(5);
        expect(before.responses).toBe(5);
        expect(before.proficiency).toEqual([exams.completedLongAgo.examId]);

        // Another instance holds the purge lock: this one refuses, and deletes nothing.
        const holder = new pg.Client({ connectionString: database.url });
        await holder.connect();
        await holder.query('SELECT pg_advisory_lock($1)', [PURGE_LOCK_KEY]);
        const refused = await admin('POST', '/v1/admin/retention/purge');
        await holder.end();
        expect(refused).toMatchObject({ status: 409, body: { code: 'CONFLICT' } });
        expect(await state()).toEqual(before);

        const purged = await admin('POST', '/v1/admin/retention/purge');
        expect(purged).toMatchObject({ status: 200, body: { retentionDays: 30 } });
        // Other tests' exams and launches in this database are recent: only these go.
        expect(purged.body).toEqual({ retentionDays: 30, exams: 3, launches: 2 });
        const kept = [exams.completedRecently.examId, exams.activeButIdleLongAgo.examId].sort();
        expect(await state()).toEqual({ exams: kept, responses: 2, launches: [launches.recent, launches.live].sort(), proficiency: [exams.completedLongAgo.examId] });

        expect((await admin('POST', '/v1/admin/retention/purge')).body).toEqual({ retentionDays: 30, exams: 0, launches: 0 });
        // The purged exam's token is refused like any unknown one.
        const gone = await call(server.url, 'GET', `/v1/exams/${exams.completedLongAgo.examId}`, { headers: bearer(exams.completedLongAgo.token) });
        expect(gone).toMatchObject({ status: 401, body: { code: 'UNAUTHORIZED' } });
      } finally {
        await db.end();
      }
    });
  });
});

describe('Rate limits', () => {
  const LIMIT_PER_ADDRESS = 30;
  const LIMIT_PER_KEY = 40;
  const AUTH_FAILURES = 20;
  let database: Awaited<ReturnType<typeof createFaultDatabase>>;
  let redis: RedisServer;
  let server: { url: string; child: ChildProcess };

  beforeAll(async () => {
    database = await createFaultDatabase('limits');
    redis = await RedisServer.start();
    server = await spawnServer({
      env: {
        DATABASE_URL: database.url,
        REDIS_URL: redis.url,
        // Long enough that only a stalled Redis times out: one timed-out count on a busy machine would let the
        // next second of requests pass uncounted (fail open) and the exact counts below could not hold.
        REDIS_COMMAND_TIMEOUT_MS: '2000',
        // Behind "a proxy": each test speaks from addresses of its own.
        TRUST_PROXY: 'true',
        RATE_LIMIT_IP_PER_MINUTE: String(LIMIT_PER_ADDRESS),
        RATE_LIMIT_CLIENT_PER_MINUTE: String(LIMIT_PER_KEY),
        RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: String(AUTH_FAILURES),
      },
    });
  });
  afterAll(async () => {
    if (server) await stopServer(server.child);
    await redis?.stop();
    await database?.drop();
  });

  const from = (address: string, headers: Record<string, string> = {}) => ({ ...headers, 'x-forwarded-for': address });
  const burst = async (count: number, path: string, headers: Record<string, string>) => {
    const replies = [];
    for (let i = 0; i < count; i++) {
      const res = await fetch(`${server.url}${path}`, { headers });
      replies.push({ status: res.status, retryAfter: res.headers.get('retry-after'), body: res.status === 429 ? await res.json() : await res.text() });
    }
    return replies;
  };

  it('should answer a burst past the limit with 429 and Retry-After, per address and per key', async () => {
    const replies = await burst(LIMIT_PER_ADDRESS + 5, '/docs-json', from('203.0.113.1'));
    expect(replies.map((r) => r.status)).toEqual([...Array(LIMIT_PER_ADDRESS).fill(200), ...Array(5).fill(429)]);
    for (const reply of replies.slice(LIMIT_PER_ADDRESS)) {
      expect(reply.body).toMatchObject({ statusCode: 429, code: 'TOO_MANY_REQUESTS' });
      expect(Number(reply.retryAfter)).toBeGreaterThan(0);
      expect(Number(reply.retryAfter)).toBeLessThanOrEqual(60);
    }
    // Another address, and the probes, are not affected.
    expect((await fetch(`${server.url}/docs-json`, { headers: from('203.0.113.2') })).status).toBe(200);
    expect((await fetch(`${server.url}/health/live`, { headers: from('203.0.113.1') })).status).toBe(200);

    // A key is counted as itself, from whatever address.
    const keyed = await Promise.all(
      Array.from({ length: LIMIT_PER_KEY + 3 }, (_, i) => fetch(`${server.url}/v1/admin/stats`, { headers: from(`198.51.100.${i}`, ADMIN) }).then((r) => r.status)),
    );
    expect(keyed.filter((s) => s === 200)).toHaveLength(LIMIT_PER_KEY);
    expect(keyed.filter((s) => s === 429)).toHaveLength(3);
  });

  it('should turn an address away after too many failed authentications', async () => {
    // Well-formed client keys that open nothing, each with a prefix of its own: no other limit is reached.
    const wrongKey = (i: number) => from('203.0.113.9', { 'x-api-key': `cat_${i.toString(16).padStart(12, '0')}_${'x'.repeat(43)}` });
    const statuses: number[] = [];
    for (let i = 0; i < 300; i++) statuses.push((await fetch(`${server.url}/v1/admin/stats`, { headers: wrongKey(i) })).status);
    expect(statuses.slice(0, AUTH_FAILURES)).toEqual(Array(AUTH_FAILURES).fill(401));
    // Counting is off the request's path: the block starts within a few requests of the limit.
    const firstRefusal = statuses.indexOf(429);
    expect(firstRefusal).toBeGreaterThanOrEqual(AUTH_FAILURES);
    expect(firstRefusal).toBeLessThan(AUTH_FAILURES + 10);
    expect(statuses.slice(firstRefusal).every((s) => s === 429)).toBe(true);
    // Even the right key, from that address, waits out the minute; another address is not affected.
    const turnedAway = await fetch(`${server.url}/v1/admin/stats`, { headers: from('203.0.113.9', ADMIN) });
    expect(turnedAway.status).toBe(429);
    // Refused before any route, it still goes out with the API's headers and a request id.
    expect(turnedAway.headers.get('cache-control')).toBe('no-store');
    expect(turnedAway.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect((await fetch(`${server.url}/docs-json`, { headers: from('203.0.113.9') })).status).toBe(429);
    expect((await fetch(`${server.url}/docs-json`, { headers: from('203.0.113.10') })).status).toBe(200);
    // Health probes are never turned away.
    expect((await fetch(`${server.url}/health/live`, { headers: from('203.0.113.9') })).status).toBe(200);
  });

  it('should let requests through (fail open) when Redis is down, counting them', async () => {
    const exhausted = from('203.0.113.20');
    await burst(LIMIT_PER_ADDRESS, '/docs-json', exhausted);
    expect((await fetch(`${server.url}/docs-json`, { headers: exhausted })).status).toBe(429);
    const failedOpenBefore = await sample(server.url, 'cat_rate_limit_fail_open_total');

    await redis.kill();
    try {
      const replies = await burst(10, '/docs-json', exhausted);
      expect(replies.map((r) => r.status)).toEqual(Array(10).fill(200));
      expect(await sample(server.url, 'cat_rate_limit_fail_open_total')).toBeGreaterThanOrEqual(failedOpenBefore + 10);
    } finally {
      await redis.restart();
    }
    // Back on Redis (a new, empty one): counted again.
    await eventually(async () => (await burst(LIMIT_PER_ADDRESS + 1, '/docs-json', from('203.0.113.21'))).at(-1)!.status === 429, 15_000, 'limits after Redis returns');
  });
});
