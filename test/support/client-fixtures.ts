import request from 'supertest';
import { ADMIN, answerFor, bearer, seeded } from './exam-fixtures.js';

type Server = Parameters<typeof request>[0];

export type Scope = 'admin' | 'banks:write' | 'banks:read' | 'exams:launch' | 'exams:custom' | 'results:read';
export const ALL_SCOPES: readonly Scope[] = ['admin', 'banks:write', 'banks:read', 'exams:launch', 'exams:custom', 'results:read'];

export const apiKey = (key: string) => ({ 'x-api-key': key });
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface TestClient {
  id: string;
  key: string;
  /** The `x-api-key` header of its key. */
  auth: { 'x-api-key': string };
}

/** A platform client created with the root key. */
export async function createClient(server: Server, scopes: readonly Scope[], bankIds?: string[], name = 'client'): Promise<TestClient> {
  const res = await request(server)
    .post('/v1/admin/clients')
    .set(ADMIN)
    .send({ name, scopes, ...(bankIds ? { bankIds } : {}) })
    .expect(201);
  return { id: res.body.id, key: res.body.key, auth: apiKey(res.body.key) };
}

/** POST /v1/exams from a test definition with the given key. */
export function launchExam(server: Server, auth: Record<string, string>, testDefinitionId: string, candidateId: string): request.Test {
  return request(server).post('/v1/exams').set(auth).send({ testDefinitionId, candidateId });
}

/**
 * Answers an exam until it is done (or `limit` answers), every answer chosen by `answer`; returns every reply body.
 */
export async function answerUntilDone(
  server: Server,
  exam: { examId: string; token: string; item: { id: string } | null },
  correctKeyOf: Map<string, string>,
  options: { pCorrect?: number; seed?: number; limit?: number } = {},
): Promise<Record<string, unknown>[]> {
  const random = seeded(options.seed ?? 1);
  const bodies: Record<string, unknown>[] = [];
  let item = exam.item;
  while (item && bodies.length < (options.limit ?? Infinity)) {
    const res = await request(server)
      .post(`/v1/exams/${exam.examId}/answers`)
      .set(bearer(exam.token))
      .send({ itemId: item.id, answer: answerFor(item.id, correctKeyOf, random, options.pCorrect) })
      .expect(200);
    bodies.push(res.body);
    item = res.body.item;
  }
  return bodies;
}
