import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  type AdaptiveTestingClient,
  ApiResponseError,
  type components,
  createAdaptiveTestingClient,
  unwrap,
} from '../clients/typescript/src/index.js';
import { ADMIN, answerFor, makeItems, seeded } from './support/exam-fixtures.js';
import { startApp } from './support/test-app.js';

/**
 * The published client (clients/typescript) against the app over HTTP: every call below is typed from openapi.json,
 * so `npm run typecheck` fails when the contract and this use of it part ways.
 */
describe('Typed client (e2e)', () => {
  let app: NestFastifyApplication;
  let baseUrl: string;
  let admin: AdaptiveTestingClient;

  beforeAll(async () => {
    app = await startApp();
    await app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = await app.getUrl();
    admin = createAdaptiveTestingClient({ baseUrl, apiKey: ADMIN['x-api-key'] });
  });
  afterAll(async () => {
    await app.close();
  });

  it('should create a bank, run an exam to completion and read its result', async () => {
    const bank = await unwrap(admin.POST('/v1/item-banks', { body: { name: 'typed client bank' } }));
    const imported = await unwrap(
      admin.POST('/v1/item-banks/{bankId}/items', { params: { path: { bankId: bank.id } }, body: { items: makeItems(60, 21) } }),
    );
    expect(imported.created).toBe(60);
    const page = await unwrap(admin.GET('/v1/item-banks/{bankId}/items', { params: { path: { bankId: bank.id }, query: { limit: 1000 } } }));
    const correctKeyOf = new Map(page.items.map((item) => [item.id, item.correctKey ?? '']));

    const exam = await unwrap(
      admin.POST('/v1/exams', { body: { bankId: bank.id, candidateId: 'typed-client-1', config: { maxItems: 8, feedback: 'theta' } } }),
    );
    expect(exam).toMatchObject({ status: 'active', answered: 0 });
    // The candidate's side holds only the exam token.
    const candidate = createAdaptiveTestingClient({ baseUrl, examToken: exam.token });
    const random = seeded(5);
    const steps: components['schemas']['AnswerView'][] = [];
    let item: components['schemas']['CandidateItemView'] | null = exam.item;
    while (item) {
      const step: components['schemas']['AnswerView'] = await unwrap(
        candidate.POST('/v1/exams/{examId}/answers', {
          params: { path: { examId: exam.examId } },
          body: { itemId: item.id, answer: answerFor(item.id, correctKeyOf, random) },
        }),
      );
      steps.push(step);
      item = step.item;
    }
    const last = steps[steps.length - 1];
    expect(last).toMatchObject({ done: true, answered: steps.length, item: null });
    expect(steps.length).toBeLessThanOrEqual(8);

    const shown = await unwrap(candidate.GET('/v1/exams/{examId}/result', { params: { path: { examId: exam.examId } } }));
    expect(shown).toMatchObject({ examId: exam.examId, status: 'completed', answered: steps.length, theta: last.theta, se: last.se });
    expect(shown.responses).toBeUndefined();
    // With the key: everything, responses included.
    const full = await unwrap(admin.GET('/v1/exams/{examId}/result', { params: { path: { examId: exam.examId } } }));
    expect(full).toMatchObject({ bankId: bank.id, candidateId: 'typed-client-1', stopReason: last.stopReason });
    expect(full.responses?.map((response) => response.seq)).toEqual(steps.map((_, index) => index + 1));
  });

  it('should hand back the error body, typed, and throw it from unwrap', async () => {
    const anonymous = createAdaptiveTestingClient({ baseUrl });
    const missing = { params: { path: { bankId: randomUUID() } } };
    const { error, response } = await anonymous.GET('/v1/item-banks/{bankId}', missing);
    expect(response.status).toBe(401);
    expect(error).toMatchObject({ statusCode: 401, code: 'UNAUTHORIZED' });
    await expect(unwrap(admin.GET('/v1/item-banks/{bankId}', missing))).rejects.toEqual(
      new ApiResponseError(404, { statusCode: 404, code: 'NOT_FOUND', message: 'Item bank not found' }),
    );
  });

  it('should refuse at compile time what the contract does not allow', () => {
    // Type checks only (npm run typecheck): the calls are never made.
    const uncalled = (client: AdaptiveTestingClient) => [
      // @ts-expect-error an answer names the item it answers
      client.POST('/v1/exams/{examId}/answers', { params: { path: { examId: 'x' } }, body: { answer: 'A' } }),
      // @ts-expect-error exams are started with POST, there is no list of them
      client.GET('/v1/exams'),
      // @ts-expect-error the estimator is one of EAP, MAP, MLE, WLE
      client.POST('/v1/estimate', { body: { items: [{ a: 1, b: 0 }], responses: [1], estimator: 'OLS' } }),
    ];
    expect(typeof uncalled).toBe('function');
  });
});
