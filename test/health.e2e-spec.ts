import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { TcpProxy } from './support/tcp-proxy.js';
import { startApp } from './support/test-app.js';

function urlThroughProxy(url: string, port: number): string {
  const parsed = new URL(url);
  parsed.host = `127.0.0.1:${port}`;
  return parsed.toString();
}

describe('Health (e2e)', () => {
  describe('with Postgres and Redis up', () => {
    let app: NestFastifyApplication;
    beforeAll(async () => {
      app = await startApp();
    });
    afterAll(async () => {
      await app.close();
    });

    it('should answer liveness without touching dependencies', async () => {
      const res = await request(app.getHttpServer()).get('/health/live').expect(200);
      expect(res.body).toMatchObject({ status: 'ok' });
    });

    it('should report database and redis up on readiness', async () => {
      const res = await request(app.getHttpServer()).get('/health/ready').expect(200);
      expect(res.body.status).toBe('ok');
      expect(res.body.details.database.status).toBe('up');
      expect(res.body.details.redis.status).toBe('up');
    });
  });

  describe('when Redis is unreachable (bad URL)', () => {
    let app: NestFastifyApplication;
    beforeAll(async () => {
      app = await startApp({ REDIS_URL: 'redis://127.0.0.1:1' });
    });
    afterAll(async () => {
      await app.close();
    });

    it('should stay ready (200) and report Redis as degraded', async () => {
      const started = Date.now();
      const res = await request(app.getHttpServer()).get('/health/ready').expect(200);
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(res.body.status).toBe('degraded');
      expect(res.body.details.database.status).toBe('up');
      expect(res.body.details.redis.status).toBe('degraded');
      expect(res.body.details.redis.message).toMatch(/Redis unavailable/);
    });
  });

  describe('when Postgres goes away after start-up', () => {
    let app: NestFastifyApplication;
    const proxy = new TcpProxy('127.0.0.1', Number(new URL(process.env.DATABASE_URL!).port || 5432));

    beforeAll(async () => {
      const port = await proxy.start();
      app = await startApp({ DATABASE_URL: urlThroughProxy(process.env.DATABASE_URL!, port), DATABASE_CONNECT_TIMEOUT_MS: '1000' });
    });
    afterAll(async () => {
      await proxy.stop();
      await app.close();
    });

    it('should answer 503 DATABASE_UNAVAILABLE naming the database, then recover', async () => {
      await request(app.getHttpServer()).get('/health/ready').expect(200);

      await proxy.stop();
      const down = await request(app.getHttpServer()).get('/health/ready').expect(503);
      expect(down.body).toMatchObject({ statusCode: 503, code: 'DATABASE_UNAVAILABLE' });
      expect(down.body.message).toMatch(/database/);
      expect(down.body.details.error.database.status).toBe('down');
      // Liveness does not depend on the database.
      await request(app.getHttpServer()).get('/health/live').expect(200);

      await proxy.restart();
      const up = await request(app.getHttpServer()).get('/health/ready').expect(200);
      expect(up.body.details.database.status).toBe('up');
    });
  });

  describe('when Postgres is unreachable at start-up (bad URL)', () => {
    it('should refuse to start', async () => {
      await expect(
        startApp({ DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/nowhere_test_db', DATABASE_CONNECT_TIMEOUT_MS: '500' }),
      ).rejects.toThrow();
    });
  });
});
