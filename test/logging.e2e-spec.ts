import type { ChildProcess } from 'node:child_process';
import request from 'supertest';
import { ADMIN, createBank, createDefinition } from './support/exam-fixtures.js';
import { freePort, spawnServer, stopServer } from './support/server-process.js';

/** The compiled server's log, as an ops pipeline would read it. */
describe('Structured request logs (e2e)', () => {
  let server: { url: string; child: ChildProcess; log: string[] };

  beforeAll(async () => {
    server = await spawnServer({ logLevel: 'info', captureLog: true });
  });
  afterAll(async () => {
    await stopServer(server.child);
  });

  it('should write one JSON line per request with id, route, status and duration, and no credentials', async () => {
    const token = 'Zm9vYmFyLXNlY3JldC10b2tlbi12YWx1ZS0wMTIzNDU2Nzg5';
    await request(server.url)
      .get('/v1/exams/7d3c4c53-8c5c-4d43-9f3e-2a1b8e6f9a10')
      .set('authorization', `Bearer ${token}`)
      .set('x-request-id', 'log-test-1')
      .expect(401); // no such exam: the same answer as a wrong token
    await request(server.url).get('/v1/admin/stats').set(ADMIN).set('x-request-id', 'log-test-2').expect(200);
    await new Promise((resolve) => setTimeout(resolve, 200));

    const entries = server.log.map((line) => JSON.parse(line) as Record<string, unknown>); // every line is JSON
    const completed = entries.filter((e) => e.msg === 'request completed');
    expect(completed).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ reqId: 'log-test-1', method: 'GET', route: '/v1/exams/:examId', statusCode: 401 }),
        expect.objectContaining({ reqId: 'log-test-2', route: '/v1/admin/stats', statusCode: 200 }),
      ]),
    );
    for (const entry of completed) expect(typeof entry.durationMs).toBe('number');
    const all = server.log.join('\n');
    expect(all).not.toContain(token);
    expect(all).not.toContain(ADMIN['x-api-key']);
    expect(all).not.toContain('7d3c4c53-8c5c-4d43-9f3e-2a1b8e6f9a10'); // routes, not raw URLs
  });

  it('should write framework, service and request lines in one format, a warning during a request with its id', async () => {
    // No Redis at all: the exam start's hot-state write fails over to Postgres and warns, inside that request.
    const unreachableRedis = `redis://127.0.0.1:${await freePort()}`;
    const degraded = await spawnServer({ logLevel: 'info', captureLog: true, env: { REDIS_URL: unreachableRedis } });
    try {
      const { bankId } = await createBank(degraded.url, 10, 42);
      await request(degraded.url).post('/v1/exams').set(ADMIN).set('x-request-id', 'log-test-3').send({ bankId, candidateId: 'logged', config: { maxItems: 2 } }).expect(201);
      await new Promise((resolve) => setTimeout(resolve, 200));
    } finally {
      await stopServer(degraded.child);
    }
    const entries = degraded.log.map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const entry of entries) {
      expect(entry).toEqual(expect.objectContaining({ level: expect.stringMatching(/^(fatal|error|warn|info)$/), time: expect.any(Number), msg: expect.any(String) }));
    }
    // Framework and service lines name the class that wrote them.
    expect(entries).toEqual(expect.arrayContaining([expect.objectContaining({ level: 'info', context: 'PrismaService', msg: 'Connected to Postgres' })]));
    const warning = entries.find((e) => e.level === 'warn' && String(e.msg).includes('serving from Postgres'));
    expect(warning).toMatchObject({ reqId: 'log-test-3', context: 'HotStateStore' });
    expect(entries).toEqual(expect.arrayContaining([expect.objectContaining({ reqId: 'log-test-3', msg: 'request completed', route: '/v1/exams', statusCode: 201 })]));
  });

  it('should never log a client key, a launch token or an exam token, used well or badly', async () => {
    const { bankId } = await createBank(server.url, 10, 41);
    const definitionId = await createDefinition(server.url, bankId, { maxItems: 2 });
    const client = await request(server.url).post('/v1/admin/clients').set(ADMIN).send({ name: 'logged', scopes: ['exams:launch'] }).expect(201);
    const key = client.body.key as string;
    const keyed = { 'x-api-key': key };
    const launch = await request(server.url).post('/v1/launches').set(keyed).send({ testDefinitionId: definitionId, candidateId: 'log-cand' }).expect(201);
    const launchToken = launch.body.launchToken as string;
    const exam = await request(server.url).post('/v1/exams').send({ launchToken }).expect(201);
    const examToken = exam.body.token as string;
    // Misuses too: their error bodies and log lines must not echo the secrets either.
    const reused = await request(server.url).post('/v1/exams').send({ launchToken }).expect(409);
    const wrongKey = await request(server.url).post('/v1/launches').set({ 'x-api-key': `${key.slice(0, -1)}x` }).send({}).expect(401);
    await request(server.url).post(`/v1/exams/${exam.body.examId}/answers`).set({ authorization: `Bearer ${examToken}` }).send({ itemId: exam.body.item.id, answer: 'A' }).expect(200);
    const rotated = await request(server.url).post(`/v1/admin/clients/${client.body.id}/rotate`).set(ADMIN).expect(200);
    await new Promise((resolve) => setTimeout(resolve, 200));

    const all = server.log.join('\n');
    // The secret is everything after `cat_<12 hex>_` (it may itself contain '_').
    for (const secret of [key, key.slice('cat_'.length + 12 + 1), rotated.body.key, launchToken, examToken]) {
      expect(all).not.toContain(secret);
      expect(JSON.stringify([reused.body, wrongKey.body])).not.toContain(secret);
    }
  });
});
