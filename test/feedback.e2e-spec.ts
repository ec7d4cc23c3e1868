import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { answerUntilDone, createClient, launchExam, type TestClient } from './support/client-fixtures.js';
import { appServer, bearer, createBank, createDefinition } from './support/exam-fixtures.js';
import { startApp } from './support/test-app.js';

type Mode = 'none' | 'progress' | 'theta';
const sortedKeys = (body: object) => Object.keys(body).sort();
const keys = (...names: string[]) => [...names].sort();

const PROGRESS = ['minItems', 'maxItems'];
const ESTIMATE = ['theta', 'se'];
/** What each mode adds to the candidate's bodies (all of them carry what `none` shows). */
const SHOWN: Record<Mode, { feedback: string[]; stopReason: string[] }> = {
  none: { feedback: [], stopReason: [] },
  progress: { feedback: PROGRESS, stopReason: ['stopReason'] },
  theta: { feedback: [...PROGRESS, ...ESTIMATE], stopReason: ['stopReason'] },
};
const FULL_RESULT = keys(
  'examId', 'status', 'answered', 'startedAt', 'completedAt', 'stopReason', 'theta', 'se',
  'bankId', 'candidateId', 'testDefinitionId', 'testDefinitionRevision', 'revokedAt', 'responses',
);

describe('Feedback modes (e2e)', () => {
  let app: NestFastifyApplication;
  let server: ReturnType<typeof appServer>;
  let bankId: string;
  let correctKeyOf: Map<string, string>;
  let platform: TestClient;
  const definitions = {} as Record<Mode, string>;

  beforeAll(async () => {
    app = await startApp();
    server = appServer(app);
    ({ bankId, correctKeyOf } = await createBank(server, 40, 91));
    for (const mode of ['none', 'progress', 'theta'] as const) {
      definitions[mode] = await createDefinition(server, bankId, { minItems: 2, maxItems: 3, seThreshold: 0, feedback: mode }, mode);
    }
    platform = await createClient(server, ['exams:launch', 'exams:custom', 'results:read'], undefined, 'feedback');
  });
  afterAll(async () => {
    await app.close();
  });

  describe.each(['none', 'progress', 'theta'] as const)('feedback "%s"', (mode) => {
    const { feedback, stopReason } = SHOWN[mode];

    it('should show only what the mode allows on start, GET, every answer and the result', async () => {
      const started = await launchExam(server, platform.auth, definitions[mode], `fb-${mode}`).expect(201);
      expect(sortedKeys(started.body)).toEqual(keys('examId', 'token', 'status', 'item', 'answered', 'expiresAt', ...feedback));
      if (mode !== 'none') expect(started.body).toMatchObject({ minItems: 2, maxItems: 3 });
      const exam = started.body as { examId: string; token: string; item: { id: string } };

      const view = await request(server).get(`/v1/exams/${exam.examId}`).set(bearer(exam.token)).expect(200);
      expect(sortedKeys(view.body)).toEqual(keys('examId', 'status', 'answered', 'item', 'expiresAt', ...feedback));

      const answers = await answerUntilDone(server, exam, correctKeyOf);
      expect(answers).toHaveLength(3);
      for (const body of answers.slice(0, 2)) expect(sortedKeys(body)).toEqual(keys('answered', 'done', 'item', ...feedback));
      expect(sortedKeys(answers[2])).toEqual(keys('answered', 'done', 'item', ...feedback, ...stopReason));
      expect(answers[2]).toMatchObject({ answered: 3, done: true, item: null });

      const done = await request(server).get(`/v1/exams/${exam.examId}`).set(bearer(exam.token)).expect(200);
      expect(sortedKeys(done.body)).toEqual(keys('examId', 'status', 'answered', 'item', 'expiresAt', ...feedback));
      expect(done.body).toMatchObject({ status: 'completed', item: null, expiresAt: null });

      const result = await request(server).get(`/v1/exams/${exam.examId}/result`).set(bearer(exam.token)).expect(200);
      const resultShows = mode === 'none' ? [] : mode === 'progress' ? stopReason : [...stopReason, ...ESTIMATE];
      expect(sortedKeys(result.body)).toEqual(keys('examId', 'status', 'answered', 'startedAt', 'completedAt', ...resultShows));
      if (mode !== 'none') expect(result.body.stopReason).toBe('MAX_ITEMS');

      // The client's key always reads everything, θ included.
      const full = await request(server).get(`/v1/exams/${exam.examId}/result`).set(platform.auth).expect(200);
      expect(sortedKeys(full.body)).toEqual(FULL_RESULT);
      expect(full.body).toMatchObject({ theta: expect.any(Number), se: expect.any(Number), stopReason: 'MAX_ITEMS' });
      if (mode === 'theta') expect(result.body).toMatchObject({ theta: full.body.theta, se: full.body.se });
      if (mode === 'theta') expect(answers[2]).toMatchObject({ theta: full.body.theta, se: full.body.se });
    });

    it('should show only what the mode allows on finish and on the replay of an answer', async () => {
      const started = (await launchExam(server, platform.auth, definitions[mode], `fb-finish-${mode}`).expect(201)).body;
      const answer = () => request(server).post(`/v1/exams/${started.examId}/answers`).set(bearer(started.token)).send({ itemId: started.item.id, answer: 'A' });
      const first = (await answer().expect(200)).body;
      expect(sortedKeys(first)).toEqual(keys('answered', 'done', 'item', ...feedback));
      const replay = await answer().expect(200);
      expect(replay.body).toEqual(first);

      const finished = await request(server).post(`/v1/exams/${started.examId}/finish`).set(bearer(started.token)).expect(200);
      expect(sortedKeys(finished.body)).toEqual(keys('status', 'answered', ...(mode === 'theta' ? ESTIMATE : [])));
      expect(finished.body).toMatchObject({ status: 'completed', answered: 1 });
      const again = await request(server).post(`/v1/exams/${started.examId}/finish`).set(bearer(started.token)).expect(200);
      expect(again.body).toEqual(finished.body);

      const result = await request(server).get(`/v1/exams/${started.examId}/result`).set(bearer(started.token)).expect(200);
      if (mode === 'none') expect(result.body.stopReason).toBeUndefined();
      else expect(result.body.stopReason).toBe('FINISHED');
    });
  });

  it('should default to "progress" for an exam whose config names no mode', async () => {
    const started = await request(server).post('/v1/exams').set(platform.auth).send({ bankId, candidateId: 'fb-default', config: { maxItems: 2 } }).expect(201);
    expect(sortedKeys(started.body)).toEqual(keys('examId', 'token', 'status', 'item', 'answered', 'expiresAt', 'minItems', 'maxItems'));
    const [answer] = await answerUntilDone(server, started.body, correctKeyOf, { limit: 1 });
    expect(answer.theta).toBeUndefined();
    expect(answer.maxItems).toBe(2);
  });

  it('should reject an unknown mode', async () => {
    const res = await request(server).post('/v1/exams').set(platform.auth).send({ bankId, candidateId: 'fb-bad', config: { feedback: 'everything' } }).expect(400);
    expect(res.body.details).toContainEqual(expect.objectContaining({ field: 'config.feedback' }));
  });
});
