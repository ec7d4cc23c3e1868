import { randomBytes } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { validateEnvironment } from '../src/config/environment.js';
import { DEMO_LAUNCHES_PER_MINUTE, DEMO_LAUNCH_TTL_SECONDS } from '../src/demo/demo.service.js';
import { ADMIN, appServer, createBank, createDefinition } from './support/exam-fixtures.js';
import { startApp } from './support/test-app.js';

describe('Demo exams and pages (e2e)', () => {
  let off: NestFastifyApplication;
  let on: NestFastifyApplication;
  let bankId: string;
  let definitionId: string;

  beforeAll(async () => {
    off = await startApp({ DEMO_TEST_DEFINITION_ID: undefined });
    ({ bankId } = await createBank(appServer(off), 20, 5));
    definitionId = await createDefinition(appServer(off), bankId, { maxItems: 5, feedback: 'theta' }, 'demo');
    on = await startApp({ DEMO_TEST_DEFINITION_ID: definitionId, RETENTION_DAYS: '7' });
  });
  afterAll(async () => {
    await Promise.all([off?.close(), on?.close()]);
  });

  describe('demo exams', () => {
    it('should be off by default: no launch token, 404 NOT_FOUND', async () => {
      expect((await request(appServer(off)).get('/v1/demo').expect(200)).body).toEqual({ demoExams: false });
      const refused = await request(appServer(off)).post('/v1/demo/launches').expect(404);
      expect(refused.body).toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });
    });

    it("should issue short-lived launch tokens of the configured definition only, each for a new root-client candidate", async () => {
      const server = appServer(on);
      expect((await request(server).get('/v1/demo').expect(200)).body).toEqual({ demoExams: true });
      const candidates = new Set<string>();
      for (let i = 0; i < 2; i++) {
        // Whatever the caller sends, the bank, config and candidate are the instance's choice.
        const launch = await request(server).post('/v1/demo/launches').send({ bankId: '00000000-0000-4000-8000-000000000000', candidateId: 'mallory' }).expect(201);
        expect(launch.body).toEqual({ launchToken: expect.any(String), expiresAt: expect.any(String) });
        expect(Date.parse(launch.body.expiresAt) - Date.now()).toBeLessThanOrEqual(DEMO_LAUNCH_TTL_SECONDS * 1000);
        const exam = await request(server).post('/v1/exams').send({ launchToken: launch.body.launchToken }).expect(201);
        expect(exam.body.item).toEqual({ id: expect.any(String), stem: expect.any(String), options: expect.any(Array) });
        await request(server).post('/v1/exams').send({ launchToken: launch.body.launchToken }).expect(409);
        const result = await request(server).get(`/v1/exams/${exam.body.examId}/result`).set(ADMIN).expect(200);
        expect(result.body).toMatchObject({ bankId, testDefinitionId: definitionId, candidateId: expect.stringMatching(/^demo-[0-9a-f-]{36}$/) });
        candidates.add(result.body.candidateId);
      }
      expect(candidates.size).toBe(2);
    });

    it('should refuse a DEMO_TEST_DEFINITION_ID that is not a UUID, or without RETENTION_DAYS, at start-up', () => {
      expect(() => validateEnvironment({ ...process.env, DEMO_TEST_DEFINITION_ID: 'my-bank', RETENTION_DAYS: '7' })).toThrow(/DEMO_TEST_DEFINITION_ID/);
      // Exams anyone can start are purged some day: demo mode needs a retention period.
      expect(() => validateEnvironment({ ...process.env, DEMO_TEST_DEFINITION_ID: definitionId, RETENTION_DAYS: '0' })).toThrow(/needs RETENTION_DAYS/);
      expect(() => validateEnvironment({ ...process.env, DEMO_TEST_DEFINITION_ID: definitionId, RETENTION_DAYS: '7' })).not.toThrow();
    });
  });

  describe('pages', () => {
    it("should serve each page and asset with its own content type, under the service's CSP, with no inline script", async () => {
      const server = appServer(off);
      for (const page of ['/demo/', '/demo/bank/']) {
        await request(server).get(page.slice(0, -1)).expect(301).expect('location', page);
        const res = await request(server).get(page).expect(200).expect('content-type', /^text\/html/);
        expect(res.headers['content-security-policy']).toContain("script-src 'self'");
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        const scripts = [...res.text.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
        expect(scripts).toHaveLength(1);
        for (const [, attributes, inline] of scripts) {
          expect(inline.trim()).toBe('');
          expect(attributes).toContain('type="module"');
        }
        expect(res.text).not.toMatch(/\son[a-z]+=/i);
        const assets = [...res.text.matchAll(/(?:src|href)="(\/demo\/assets\/[^"]+)"/g)].map((match) => match[1]);
        expect(assets.length).toBeGreaterThanOrEqual(2);
        for (const asset of assets) {
          const type = asset.endsWith('.css') ? /^text\/css/ : /^(text|application)\/javascript/;
          await request(server).get(asset).expect(200).expect('content-type', type);
        }
      }
      // The modules the pages import (not named in the HTML) are served too.
      await request(server).get('/demo/assets/api.js').expect(200).expect('content-type', /javascript/);
      await request(server).get('/demo/assets/chart.js').expect(200).expect('content-type', /javascript/);
    });

    it('should answer anything else under /demo with the JSON 404, never a file from elsewhere', async () => {
      const server = appServer(off);
      for (const path of ['/demo/nope.js', '/demo/assets/', '/demo/../package.json', '/demo/%2e%2e/package.json', '/demo/assets/..%2f..%2fdemo.service.ts']) {
        const res = await request(server).get(path);
        expect({ path, status: res.status }).toEqual({ path, status: 404 });
        expect(res.text).not.toContain('adaptive-testing-backend');
        expect(res.text).not.toContain('@Injectable');
      }
      expect((await request(server).get('/demo/nope.js').expect(404)).body).toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });
    });

    it('should limit demo launches per address apart from its other requests', async () => {
      const limited = await startApp({
        REDIS_KEY_PREFIX: `cat_test_demo_${randomBytes(4).toString('hex')}:`,
        DEMO_TEST_DEFINITION_ID: definitionId,
        RETENTION_DAYS: '7',
        RATE_LIMIT_IP_PER_MINUTE: '1000',
      });
      try {
        const server = appServer(limited);
        for (let i = 0; i < DEMO_LAUNCHES_PER_MINUTE; i++) await request(server).post('/v1/demo/launches').expect(201);
        const refused = await request(server).post('/v1/demo/launches').expect(429);
        expect(refused.body).toMatchObject({ code: 'TOO_MANY_REQUESTS' });
        expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
        // The address's other requests are not affected.
        await request(server).get('/v1/demo').expect(200);
      } finally {
        await limited.close();
      }
    });

    it('should count the pages against the per-address rate limit', async () => {
      const limited = await startApp({ REDIS_KEY_PREFIX: `cat_test_demo_${randomBytes(4).toString('hex')}:`, RATE_LIMIT_IP_PER_MINUTE: '3' });
      try {
        const server = appServer(limited);
        for (let i = 0; i < 3; i++) await request(server).get('/demo/').expect(200);
        const refused = await request(server).get('/demo/assets/demo.css').expect(429);
        expect(refused.body).toMatchObject({ code: 'TOO_MANY_REQUESTS' });
      } finally {
        await limited.close();
      }
    });
  });
});
