import { createHash, randomBytes } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type pg from 'pg';
import request from 'supertest';
import { apiKey, createClient, sleep } from './support/client-fixtures.js';
import { ADMIN, appServer, createBank, sqlClient } from './support/exam-fixtures.js';
import { startApp } from './support/test-app.js';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const ROOT_CLIENT_ID = '00000000-0000-0000-0000-000000000000';

describe('Platform clients (e2e)', () => {
  let app: NestFastifyApplication;
  let server: ReturnType<typeof appServer>;
  let db: pg.Client;
  let bankId: string;

  beforeAll(async () => {
    app = await startApp();
    server = appServer(app);
    db = await sqlClient();
    ({ bankId } = await createBank(server, 5, 41));
  });
  afterAll(async () => {
    await app.close();
    await db.end();
  });

  /** A route that takes a banks:read key: answers 200 for a working key. */
  const readBank = (on: ReturnType<typeof appServer>, key: string) => request(on).get(`/v1/item-banks/${bankId}`).set(apiKey(key));

  describe('POST /v1/admin/clients', () => {
    it('should create a client, show its key once and store only the SHA-256 of its secret', async () => {
      const res = await request(server)
        .post('/v1/admin/clients')
        .set(ADMIN)
        .send({ name: 'LMS one', scopes: ['banks:read', 'exams:launch'], bankIds: [bankId] })
        .expect(201);
      expect(Object.keys(res.body).sort()).toEqual(['bankIds', 'id', 'key', 'name', 'scopes']);
      expect(res.body).toMatchObject({ name: 'LMS one', scopes: ['banks:read', 'exams:launch'], bankIds: [bankId] });
      const [, prefix, secret] = /^cat_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/.exec(res.body.key)!;
      const { rows } = await db.query('SELECT prefix, secret_hash FROM api_client_key WHERE client_id = $1', [res.body.id]);
      expect(rows).toEqual([{ prefix, secret_hash: sha256(secret) }]);
      const stored = JSON.stringify((await db.query('SELECT * FROM api_client_key WHERE client_id = $1', [res.body.id])).rows);
      expect(stored).not.toContain(secret);

      await readBank(server, res.body.key).expect(200);
      const list = await request(server).get('/v1/admin/clients').set(ADMIN).expect(200);
      const listed = (list.body as { id: string; keys: object[] }[]).find((c) => c.id === res.body.id)!;
      expect(listed).toMatchObject({ id: res.body.id, name: 'LMS one', revokedAt: null, keys: [{ prefix, expiresAt: null }] });
      expect(Object.keys(listed.keys[0]).sort()).toEqual(['createdAt', 'expiresAt', 'lastUsedAt', 'prefix']);
      expect(JSON.stringify(list.body)).not.toContain(secret);
      expect(JSON.stringify(list.body)).not.toContain(sha256(secret));
    });

    it('should default bankIds to every bank (an empty list)', async () => {
      const res = await request(server).post('/v1/admin/clients').set(ADMIN).send({ name: 'open', scopes: ['banks:read'] }).expect(201);
      expect(res.body.bankIds).toEqual([]);
      await readBank(server, res.body.key).expect(200);
    });

    it('should reject an unknown scope, a non-UUID bank and a missing name with 400 and field details', async () => {
      const res = await request(server).post('/v1/admin/clients').set(ADMIN).send({ scopes: ['exams:everything'], bankIds: ['nope'] }).expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      const fields = (res.body.details as { field: string }[]).map((d) => d.field);
      expect(fields).toEqual(expect.arrayContaining(['name', 'scopes', 'bankIds']));
    });
  });

  describe('keys', () => {
    it('should answer 401 UNAUTHORIZED for a missing, malformed, unknown or wrong key', async () => {
      const client = await createClient(server, ['banks:read']);
      const noKey = await request(server).get(`/v1/item-banks/${bankId}`).expect(401);
      expect(noKey.body.code).toBe('UNAUTHORIZED');
      const prefix = client.key.slice(4, 16);
      const wrongSecret = `cat_${prefix}_${randomBytes(32).toString('base64url')}`;
      const unknownPrefix = `cat_${randomBytes(6).toString('hex')}_${client.key.slice(17)}`;
      for (const key of ['nonsense', `${client.key}x`, wrongSecret, unknownPrefix, `${ADMIN['x-api-key']}x`]) {
        const res = await readBank(server, key).expect(401);
        expect(res.body.code).toBe('UNAUTHORIZED');
      }
      await readBank(server, client.key).expect(200);
    });

    it('should answer 403 FORBIDDEN on every client route for a valid key without the admin scope', async () => {
      const client = await createClient(server, ['banks:write', 'banks:read', 'exams:launch', 'exams:custom', 'results:read']);
      const calls = [
        request(server).post('/v1/admin/clients').set(client.auth).send({ name: 'x', scopes: ['admin'] }),
        request(server).get('/v1/admin/clients').set(client.auth),
        request(server).post(`/v1/admin/clients/${client.id}/rotate`).set(client.auth),
        request(server).delete(`/v1/admin/clients/${client.id}`).set(client.auth),
      ];
      for (const res of await Promise.all(calls)) expect(res.body).toMatchObject({ statusCode: 403, code: 'FORBIDDEN' });
      for (const res of await Promise.all([request(server).get('/v1/admin/clients'), request(server).delete(`/v1/admin/clients/${client.id}`)])) {
        expect(res.body).toMatchObject({ statusCode: 401, code: 'UNAUTHORIZED' });
      }
      await readBank(server, client.key).expect(200); // neither its own rotation nor its deletion happened
    });

    it('should let a client with the admin scope manage clients', async () => {
      const admin = await createClient(server, ['admin'], [bankId]);
      const made = await request(server).post('/v1/admin/clients').set(admin.auth).send({ name: 'by admin', scopes: ['banks:read'] }).expect(201);
      await request(server).post(`/v1/admin/clients/${made.body.id}/rotate`).set(admin.auth).expect(200);
      await request(server).delete(`/v1/admin/clients/${made.body.id}`).set(admin.auth).expect(204);
    });
  });

  describe('POST /v1/admin/clients/:clientId/rotate', () => {
    it('should issue a new key and keep the old one working within the grace period', async () => {
      const client = await createClient(server, ['banks:read']);
      const before = Date.now();
      const res = await request(server).post(`/v1/admin/clients/${client.id}/rotate`).set(ADMIN).expect(200);
      expect(Object.keys(res.body)).toEqual(['key']);
      expect(res.body.key).toMatch(/^cat_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
      expect(res.body.key).not.toBe(client.key);
      await readBank(server, res.body.key).expect(200);
      await readBank(server, client.key).expect(200);
      const list = await request(server).get('/v1/admin/clients').set(ADMIN).expect(200);
      const keys = (list.body as { id: string; keys: { prefix: string; expiresAt: string | null }[] }[]).find((c) => c.id === client.id)!.keys;
      expect(keys.map((k) => k.prefix)).toEqual([client.key.slice(4, 16), res.body.key.slice(4, 16)]);
      // CLIENT_KEY_ROTATION_GRACE_SECONDS defaults to an hour.
      expect(new Date(keys[0].expiresAt!).getTime()).toBeGreaterThan(before + 3_590_000);
      expect(keys[1].expiresAt).toBeNull();
    });

    it('should refuse the old key once the grace period is over, on every instance, and keep the new one', async () => {
      const shortGrace = await startApp({ CLIENT_KEY_ROTATION_GRACE_SECONDS: '1' });
      const other = await startApp();
      try {
        const on = appServer(shortGrace);
        const client = await createClient(on, ['banks:read']);
        await readBank(appServer(other), client.key).expect(200); // known to the other instance
        const first = await request(on).post(`/v1/admin/clients/${client.id}/rotate`).set(ADMIN).expect(200);
        await readBank(on, client.key).expect(200);
        await readBank(appServer(other), client.key).expect(200);
        await sleep(1_300);
        expect((await readBank(on, client.key).expect(401)).body.code).toBe('UNAUTHORIZED');
        await readBank(appServer(other), client.key).expect(401);
        await readBank(on, first.body.key).expect(200);
        await readBank(appServer(other), first.body.key).expect(200);

        // Rotating again starts the grace of the current key only; a key already out stays out.
        const second = await request(on).post(`/v1/admin/clients/${client.id}/rotate`).set(ADMIN).expect(200);
        await readBank(on, first.body.key).expect(200);
        await readBank(on, client.key).expect(401);
        await sleep(1_300);
        await readBank(on, first.body.key).expect(401);
        await readBank(on, second.body.key).expect(200);
      } finally {
        await shortGrace.close();
        await other.close();
      }
    });

    it('should answer 404 for an unknown or deleted client and 409 CONFLICT for the root client', async () => {
      await request(server).post('/v1/admin/clients/00000000-0000-4000-8000-000000000000/rotate').set(ADMIN).expect(404);
      const client = await createClient(server, ['banks:read']);
      await request(server).delete(`/v1/admin/clients/${client.id}`).set(ADMIN).expect(204);
      expect((await request(server).post(`/v1/admin/clients/${client.id}/rotate`).set(ADMIN).expect(404)).body.code).toBe('NOT_FOUND');
      expect((await request(server).post(`/v1/admin/clients/${ROOT_CLIENT_ID}/rotate`).set(ADMIN).expect(409)).body.code).toBe('CONFLICT');
      await request(server).post('/v1/admin/clients/not-a-uuid/rotate').set(ADMIN).expect(400);
    });
  });

  describe('DELETE /v1/admin/clients/:clientId', () => {
    it('should refuse the deleted client on a second instance within one second', async () => {
      const other = await startApp();
      try {
        const client = await createClient(server, ['banks:read']);
        const rotated = await request(server).post(`/v1/admin/clients/${client.id}/rotate`).set(ADMIN).expect(200);
        // Both instances know both keys.
        for (const on of [server, appServer(other)]) {
          await readBank(on, client.key).expect(200);
          await readBank(on, rotated.body.key).expect(200);
        }
        await request(server).delete(`/v1/admin/clients/${client.id}`).set(ADMIN).expect(204);
        const deletedAt = Date.now();
        await sleep(Math.max(0, deletedAt + 1_050 - Date.now()));
        for (const key of [client.key, rotated.body.key]) {
          const res = await readBank(appServer(other), key).expect(401);
          expect(res.body.code).toBe('UNAUTHORIZED');
          await readBank(server, key).expect(401);
        }
        const list = await request(server).get('/v1/admin/clients').set(ADMIN).expect(200);
        expect((list.body as { id: string; revokedAt: string | null }[]).find((c) => c.id === client.id)!.revokedAt).not.toBeNull();
      } finally {
        await other.close();
      }
    });

    it('should answer 404 for a client already deleted or unknown and 409 CONFLICT for the root client', async () => {
      const client = await createClient(server, ['banks:read']);
      await request(server).delete(`/v1/admin/clients/${client.id}`).set(ADMIN).expect(204);
      expect((await request(server).delete(`/v1/admin/clients/${client.id}`).set(ADMIN).expect(404)).body.code).toBe('NOT_FOUND');
      await request(server).delete('/v1/admin/clients/00000000-0000-4000-8000-000000000000').set(ADMIN).expect(404);
      expect((await request(server).delete(`/v1/admin/clients/${ROOT_CLIENT_ID}`).set(ADMIN).expect(409)).body.code).toBe('CONFLICT');
      await request(server).get('/v1/admin/clients').set(ADMIN).expect(200); // the root key still works
    });
  });
});
