import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type pg from 'pg';
import request from 'supertest';
import { answerUntilDone, createClient, launchExam, type TestClient } from './support/client-fixtures.js';
import { ADMIN, appServer, bearer, createBank, createDefinition, sqlClient } from './support/exam-fixtures.js';
import { startApp } from './support/test-app.js';

const PLATFORM_SCOPES = ['exams:launch', 'exams:custom', 'results:read'] as const;

describe('Candidates namespaced by client (e2e)', () => {
  let app: NestFastifyApplication;
  let server: ReturnType<typeof appServer>;
  let db: pg.Client;
  let bankId: string;
  let correctKeyOf: Map<string, string>;
  /** Three items, θ shown, nothing carried over. */
  let fixed: string;
  /** Starts from the candidate's last proficiency. */
  let continuing: string;
  let clientA: TestClient;
  let clientB: TestClient;

  beforeAll(async () => {
    app = await startApp();
    server = appServer(app);
    db = await sqlClient();
    ({ bankId, correctKeyOf } = await createBank(server, 60, 81));
    fixed = await createDefinition(server, bankId, { maxItems: 3, seThreshold: 0, feedback: 'theta' }, 'fixed');
    continuing = await createDefinition(server, bankId, { maxItems: 3, seThreshold: 0, feedback: 'theta', startTheta: 'lastProficiency' }, 'continuing');
    clientA = await createClient(server, PLATFORM_SCOPES, undefined, 'platform A');
    clientB = await createClient(server, PLATFORM_SCOPES, undefined, 'platform B');
  });
  afterAll(async () => {
    await app.close();
    await db.end();
  });

  const proficiencies = async (candidateId: string) =>
    (
      await db.query<{ client_id: string; theta: number; session_id: string }>(
        'SELECT client_id, theta, session_id FROM proficiency WHERE candidate_id = $1 AND bank_id = $2 ORDER BY client_id',
        [candidateId, bankId],
      )
    ).rows;

  /** A full exam of the `fixed` definition for `client`'s candidate; its final θ. */
  async function completeExam(client: TestClient, candidateId: string, pCorrect: number): Promise<{ examId: string; token: string; theta: number }> {
    const started = (await launchExam(server, client.auth, fixed, candidateId).expect(201)).body;
    const bodies = await answerUntilDone(server, started, correctKeyOf, { pCorrect });
    expect(bodies.at(-1)).toMatchObject({ done: true });
    return { examId: started.examId, token: started.token, theta: bodies.at(-1)!.theta as number };
  }

  it('should keep a proficiency row per client for the same candidate id, and start each from its own', async () => {
    const a = await completeExam(clientA, 'alice', 1); // every answer right
    const b = await completeExam(clientB, 'alice', 0); // every answer wrong
    expect(a.theta).toBeGreaterThan(b.theta + 0.5);
    expect(await proficiencies('alice')).toEqual(
      [
        { client_id: clientA.id, theta: a.theta, session_id: a.examId },
        { client_id: clientB.id, theta: b.theta, session_id: b.examId },
      ].sort((x, y) => x.client_id.localeCompare(y.client_id)),
    );

    const nextB = await launchExam(server, clientB.auth, continuing, 'alice').expect(201);
    expect(nextB.body.theta).toBeCloseTo(b.theta, 12);
    const nextA = await launchExam(server, clientA.auth, continuing, 'alice').expect(201);
    expect(nextA.body.theta).toBeCloseTo(a.theta, 12);
    // A third client has no "alice" yet: the definition's prior mean, not A's or B's θ.
    const clientC = await createClient(server, PLATFORM_SCOPES, undefined, 'platform C');
    const fresh = await launchExam(server, clientC.auth, continuing, 'alice').expect(201);
    expect(fresh.body.theta).toBe(0);
  });

  it("should not let one client read, revoke or reach another client's exams (admin can read them)", async () => {
    const a = await completeExam(clientA, 'amy', 0.5);
    const activeA = (await launchExam(server, clientA.auth, fixed, 'amy').expect(201)).body;
    const activeB = (await launchExam(server, clientB.auth, fixed, 'amy').expect(201)).body;

    const own = await request(server).get(`/v1/exams/${a.examId}/result`).set(clientA.auth).expect(200);
    expect(own.body).toMatchObject({ examId: a.examId, candidateId: 'amy', bankId, testDefinitionId: fixed, testDefinitionRevision: 1, answered: 3 });
    expect(own.body.responses).toHaveLength(3);
    const foreign = await request(server).get(`/v1/exams/${a.examId}/result`).set(clientB.auth).expect(404);
    const unknown = await request(server).get('/v1/exams/00000000-0000-4000-8000-000000000000/result').set(clientB.auth).expect(404);
    expect(foreign.body).toEqual(unknown.body);
    const asAdmin = await request(server).get(`/v1/exams/${a.examId}/result`).set(ADMIN).expect(200);
    expect(asAdmin.body).toEqual(own.body);

    // B may not revoke A's exam, and revoking its own "amy" leaves A's "amy" running.
    expect((await request(server).post(`/v1/exams/${activeA.examId}/revoke`).set(clientB.auth).expect(404)).body.code).toBe('NOT_FOUND');
    expect((await request(server).post('/v1/candidates/amy/revoke').set(clientB.auth).expect(200)).body).toEqual({ revoked: 1 });
    await request(server).get(`/v1/exams/${activeB.examId}`).set(bearer(activeB.token)).expect(401);
    await request(server).get(`/v1/exams/${activeA.examId}`).set(bearer(activeA.token)).expect(200);
    const { rows } = await db.query('SELECT status FROM exam_session WHERE id = $1', [activeA.examId]);
    expect(rows[0].status).toBe('ACTIVE');
  });

  it('should write no proficiency from an ad-hoc exam, and write one from a definition-launched exam', async () => {
    const adhoc = await request(server)
      .post('/v1/exams')
      .set(clientA.auth)
      .send({ bankId, candidateId: 'bob', config: { maxItems: 3, seThreshold: 0 } })
      .expect(201);
    const bodies = await answerUntilDone(server, adhoc.body, correctKeyOf);
    expect(bodies.at(-1)).toMatchObject({ done: true, stopReason: 'MAX_ITEMS' });
    // Finished early, too: still nothing.
    const early = await request(server).post('/v1/exams').set(clientA.auth).send({ bankId, candidateId: 'bob' }).expect(201);
    await answerUntilDone(server, early.body, correctKeyOf, { limit: 1 });
    await request(server).post(`/v1/exams/${early.body.examId}/finish`).set(bearer(early.body.token)).expect(200);
    expect(await proficiencies('bob')).toEqual([]);
    const adhocResult = await request(server).get(`/v1/exams/${adhoc.body.examId}/result`).set(clientA.auth).expect(200);
    expect(adhocResult.body).toMatchObject({ testDefinitionId: null, testDefinitionRevision: null, status: 'completed' });

    const launched = await completeExam(clientA, 'bob', 0.5);
    expect(await proficiencies('bob')).toEqual([{ client_id: clientA.id, theta: launched.theta, session_id: launched.examId }]);

    // A later ad-hoc exam of the same candidate leaves the stored proficiency alone.
    const after = await request(server).post('/v1/exams').set(clientA.auth).send({ bankId, candidateId: 'bob', config: { maxItems: 2, seThreshold: 0 } }).expect(201);
    await answerUntilDone(server, after.body, correctKeyOf, { pCorrect: 1 });
    expect(await proficiencies('bob')).toEqual([{ client_id: clientA.id, theta: launched.theta, session_id: launched.examId }]);
    // And an ad-hoc exam asking for lastProficiency reads this client's.
    const reads = await request(server).post('/v1/exams').set(clientA.auth).send({ bankId, candidateId: 'bob', config: { startTheta: 'lastProficiency', feedback: 'theta' } }).expect(201);
    expect(reads.body.theta).toBeCloseTo(launched.theta, 12);
  });
});
