import type { ChildProcess } from 'node:child_process';
import request from 'supertest';
import { ADMIN } from './support/exam-fixtures.js';
import { spawnServer, stopServer } from './support/server-process.js';

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
      .expect(404); // no such exam
    await request(server.url).get('/v1/admin/stats').set(ADMIN).set('x-request-id', 'log-test-2').expect(200);
    await new Promise((resolve) => setTimeout(resolve, 200));

    const entries = server.log.map((line) => JSON.parse(line) as Record<string, unknown>); // every line is JSON
    const completed = entries.filter((e) => e.msg === 'request completed');
    expect(completed).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ reqId: 'log-test-1', method: 'GET', route: '/v1/exams/:examId', statusCode: 404 }),
        expect.objectContaining({ reqId: 'log-test-2', route: '/v1/admin/stats', statusCode: 200 }),
      ]),
    );
    for (const entry of completed) expect(typeof entry.durationMs).toBe('number');
    const all = server.log.join('\n');
    expect(all).not.toContain(token);
    expect(all).not.toContain(ADMIN['x-api-key']);
    expect(all).not.toContain('7d3c4c53-8c5c-4d43-9f3e-2a1b8e6f9a10'); // routes, not raw URLs
  });
});
