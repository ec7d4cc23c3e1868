import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import pg from 'pg';
import request from 'supertest';
import { createRng } from '../../src/irt/index.js';

export const ADMIN = { 'x-api-key': 'test-admin-key-0123456789' };
export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

type Server = Parameters<typeof request>[0];

/** Deterministic pseudo-random numbers (the engine's mulberry32) so fixtures are the same on every run. */
export const seeded = createRng;

export interface FixtureItem {
  externalId?: string;
  stem: string;
  options: { key: string; text: string }[];
  correctKey: string;
  a: number;
  b: number;
  c?: number;
  d?: number;
  contentArea?: string;
}

export function makeItems(count: number, seed = 1, prefix = 'q'): FixtureItem[] {
  const random = seeded(seed);
  const keys = ['A', 'B', 'C', 'D'];
  return Array.from({ length: count }, (_, i) => ({
    externalId: `${prefix}-${i}`,
    stem: `Question ${i}: what is ${i} + ${i}?`,
    options: keys.map((key, k) => ({ key, text: String(2 * i + k) })),
    correctKey: keys[Math.floor(random() * 4)],
    a: 0.8 + random() * 1.2,
    b: -2.5 + random() * 5,
    c: Math.round(random() * 20) / 100,
    contentArea: i % 2 === 0 ? 'algebra' : 'geometry',
  }));
}

/** A bank with `count` items; returns its id and the items with their ids and correct keys. */
export async function createBank(
  server: Server,
  count: number,
  seed = 1,
): Promise<{ bankId: string; correctKeyOf: Map<string, string> }> {
  const bank = await request(server).post('/v1/item-banks').set(ADMIN).send({ name: `bank ${seed}` }).expect(201);
  const bankId = bank.body.id as string;
  await request(server).post(`/v1/item-banks/${bankId}/items`).set(ADMIN).send({ items: makeItems(count, seed) }).expect(201);
  const correctKeyOf = new Map<string, string>();
  let cursor: string | null = null;
  do {
    const page: request.Response = await request(server)
      .get(`/v1/item-banks/${bankId}/items`)
      .query(cursor ? { limit: 1000, cursor } : { limit: 1000 })
      .set(ADMIN)
      .expect(200);
    for (const item of page.body.items as { id: string; correctKey: string }[]) correctKeyOf.set(item.id, item.correctKey);
    cursor = page.body.nextCursor as string | null;
  } while (cursor);
  return { bankId, correctKeyOf };
}

/** A simulated candidate: answers correctly with a fixed pattern derived from the item id. */
export function answerFor(itemId: string, correctKeyOf: Map<string, string>, random: () => number, pCorrect = 0.6): string {
  const correct = correctKeyOf.get(itemId)!;
  if (random() < pCorrect) return correct;
  return ['A', 'B', 'C', 'D'].find((key) => key !== correct)!;
}

/**
 * POST /v1/exams with the root key and an ad-hoc config, showing θ and SE to the candidate (`feedback: "theta"`) as
 * most tests read them. Such exams never write a proficiency: see `createDefinition`.
 */
export function startExam(server: Server, body: Record<string, unknown> & { config?: Record<string, unknown> }): request.Test {
  return request(server)
    .post('/v1/exams')
    .set(ADMIN)
    .send({ ...body, config: { feedback: 'theta', ...body.config } });
}

/** A test definition of the bank (root key); exams launched from it write the candidate's proficiency. */
export async function createDefinition(server: Server, bankId: string, config: Record<string, unknown> = {}, name = 'definition'): Promise<string> {
  const res = await request(server).post(`/v1/item-banks/${bankId}/test-definitions`).set(ADMIN).send({ name, config }).expect(201);
  return res.body.id as string;
}

export function appServer(app: NestFastifyApplication): Server {
  return app.getHttpServer() as Server;
}

/** A direct connection to the test database, for checking invariants with SQL. */
export async function sqlClient(url = process.env.DATABASE_URL!): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

/** The invariants every exam must satisfy, checked in SQL. */
export async function checkInvariants(db: pg.Client, examId: string): Promise<{ answered: number; version: number }> {
  const { rows } = await db.query<{ answered: number; version: number; responses: string; distinct_items: string; max_seq: number | null }>(
    `SELECT s.answered, s.version,
            (SELECT count(*) FROM response r WHERE r.session_id = s.id) AS responses,
            (SELECT count(DISTINCT item_id) FROM response r WHERE r.session_id = s.id) AS distinct_items,
            (SELECT max(seq) FROM response r WHERE r.session_id = s.id) AS max_seq
       FROM exam_session s WHERE s.id = $1`,
    [examId],
  );
  const row = rows[0];
  expect(row).toBeDefined();
  expect(Number(row.responses)).toBe(row.answered);
  expect(Number(row.distinct_items)).toBe(row.answered);
  expect(row.version).toBe(row.answered);
  expect(row.max_seq ?? 0).toBe(row.answered);
  return { answered: row.answered, version: row.version };
}
