import pg from 'pg';
import { estimateFromItemParameters, type ExamConfig } from '../../../src/irt/index.js';
import { POSTGRES_ADMIN_URL, assertTestDatabase, databaseUrl, uniqueTestDatabaseName } from '../../setup/test-env.js';
import { ADMIN, seeded } from '../../support/exam-fixtures.js';

/** Banks are created through the API like in the e2e tests (supertest accepts a server URL too). */
export { createBank } from '../../support/exam-fixtures.js';

export const ADMIN_KEY = ADMIN['x-api-key'];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * A database of the test's own, copied from the run's migrated database (CREATE DATABASE … TEMPLATE is a
 * file copy: much faster than migrating again). Dropped by `drop()`.
 */
export async function createFaultDatabase(label: string): Promise<{ name: string; url: string; drop: () => Promise<void> }> {
  const template = process.env.TEST_DATABASE_NAME!;
  const name = uniqueTestDatabaseName(`fault_${label}`);
  assertTestDatabase(template);
  assertTestDatabase(name);
  await adminQuery(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
  return { name, url: databaseUrl(name), drop: () => adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}

export interface Reply {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** One HTTP call; a network failure or a timeout is a `status: 0` reply with the reason in `body.code`. */
export async function call(
  base: string,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<Reply> {
  try {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { ...(options.body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  } catch (error) {
    const code = error instanceof Error && error.name === 'TimeoutError' ? 'TIMEOUT' : 'NETWORK';
    return { status: 0, body: { code, message: String(error) } };
  }
}

/** An answer the service acknowledged with 200. */
export interface Ack {
  itemId: string;
  answer: string;
  answered: number;
  theta: number;
}

export interface CandidateExam {
  examId: string;
  token: string;
  itemId: string | null;
  done: boolean;
  acks: Ack[];
  /** Set when the exam hit a reply no fault explains; the exam stops there. */
  failure?: string;
}

/** Replies a candidate retries with the same answer: the service was busy, degraded or unreachable. */
const RETRYABLE = new Set(['SUBMISSION_IN_PROGRESS', 'DATABASE_UNAVAILABLE', 'SERVICE_UNAVAILABLE', 'NETWORK', 'TIMEOUT']);

/**
 * Simulated candidates answering concurrently against one or more server URLs (round robin per request).
 * A candidate repeats the very same answer until it gets a 200, as a real client retrying would, so a
 * request cut off by a fault is either replayed (already recorded) or recorded once.
 */
export class CandidatePool {
  readonly exams: CandidateExam[] = [];
  /** Every reply by status and code, e.g. "200", "409 SUBMISSION_IN_PROGRESS", "0 NETWORK". */
  readonly outcomes = new Map<string, number>();
  /** Latency of every answer request, with when it started (ms since the epoch). */
  readonly latencies: { startedAt: number; ms: number; outcome: string }[] = [];
  private turn = 0;
  private stopped = false;

  constructor(
    public urls: string[],
    private readonly bank: { bankId: string; correctKeyOf: Map<string, string> },
    private readonly options: { thinkMs?: number; retryMs?: number; requestTimeoutMs?: number } = {},
  ) {}

  get acknowledged(): number {
    return this.exams.reduce((sum, exam) => sum + exam.acks.length, 0);
  }

  url(): string {
    return this.urls[this.turn++ % this.urls.length]!;
  }

  async startExams(count: number, config: Record<string, unknown>, label: string): Promise<void> {
    const started = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        call(this.url(), 'POST', '/v1/exams', { body: { bankId: this.bank.bankId, candidateId: `${label}-${i}`, config: { feedback: 'theta', ...config } }, headers: ADMIN }),
      ),
    );
    for (const res of started) {
      if (res.status !== 201) throw new Error(`start: ${res.status} ${JSON.stringify(res.body)}`);
      this.exams.push({ examId: res.body.examId, token: res.body.token, itemId: res.body.item.id, done: false, acks: [] });
    }
  }

  /** Runs every unfinished exam to its end (or until `stop()`); resolves when all have stopped. */
  run(): Promise<void> {
    this.stopped = false;
    return Promise.all(this.exams.map((exam, i) => this.drive(exam, seeded(1_000 + i)))).then(() => undefined);
  }

  stop(): void {
    this.stopped = true;
  }

  /** Resolves once `count` more answers have been acknowledged (fault injection points). */
  async untilAcknowledged(count: number, timeoutMs = 60_000): Promise<void> {
    const target = this.acknowledged + count;
    const deadline = Date.now() + timeoutMs;
    while (this.acknowledged < target) {
      if (Date.now() > deadline) throw new Error(`only ${this.acknowledged} of ${target} answers acknowledged`);
      await sleep(5);
    }
  }

  private async drive(exam: CandidateExam, random: () => number): Promise<void> {
    let pending: { itemId: string; answer: string } | null = null;
    while (!exam.done && !exam.failure && !this.stopped) {
      if (!pending) {
        const itemId = exam.itemId!;
        const correct = this.bank.correctKeyOf.get(itemId)!;
        const answer = random() < 0.6 ? correct : ['A', 'B', 'C', 'D'].find((key) => key !== correct)!;
        pending = { itemId, answer };
      }
      const startedAt = Date.now();
      const res = await call(this.url(), 'POST', `/v1/exams/${exam.examId}/answers`, {
        body: pending,
        headers: { authorization: `Bearer ${exam.token}` },
        timeoutMs: this.options.requestTimeoutMs,
      });
      const outcome = res.status === 200 ? '200' : `${res.status} ${res.body?.code}`;
      this.outcomes.set(outcome, (this.outcomes.get(outcome) ?? 0) + 1);
      this.latencies.push({ startedAt, ms: Date.now() - startedAt, outcome });
      if (res.status === 200) {
        exam.acks.push({ ...pending, answered: res.body.answered, theta: res.body.theta });
        exam.itemId = res.body.item?.id ?? null;
        exam.done = res.body.done;
        pending = null;
        if (this.options.thinkMs) await sleep(this.options.thinkMs);
      } else if (RETRYABLE.has(res.body?.code)) {
        await sleep(this.options.retryMs ?? 25);
      } else {
        exam.failure = `${outcome}: ${JSON.stringify(res.body)}`;
      }
    }
  }
}

interface StoredResponse {
  seq: number;
  item_id: string;
  answer: string;
  correct: boolean;
  theta_after: number;
  a: number;
  b: number;
  c: number;
  d: number;
}

/**
 * The invariants of the suite, checked in Postgres for every exam:
 * - every acknowledged answer is stored exactly once, at the position and with the θ it was acknowledged with;
 * - the responses are numbered 1..answered with no gap or duplicate, and the session's counters agree;
 * - the session's θ equals θ recomputed by the engine from the stored responses alone.
 */
export async function verifyExams(databaseUrlOfRun: string, exams: CandidateExam[]): Promise<void> {
  const db = new pg.Client({ connectionString: databaseUrlOfRun });
  await db.connect();
  try {
    for (const exam of exams) {
      const session = await db.query<{ answered: number; version: number; theta: number; se: number; config: ExamConfig }>(
        'SELECT answered, version, theta, se, config FROM exam_session WHERE id = $1',
        [exam.examId],
      );
      const { answered, version, theta, config } = session.rows[0]!;
      const { rows } = await db.query<StoredResponse>(
        `SELECT r.seq, r.item_id, r.answer, r.correct, r.theta_after, i.a, i.b, i.c, i.d
           FROM response r JOIN item i ON i.id = r.item_id WHERE r.session_id = $1 ORDER BY r.seq`,
        [exam.examId],
      );
      expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: answered }, (_, k) => k + 1));
      expect(version).toBe(answered);
      expect(new Set(rows.map((r) => r.item_id)).size).toBe(rows.length);
      for (const ack of exam.acks) {
        const stored = rows.filter((r) => r.item_id === ack.itemId);
        expect(stored).toHaveLength(1);
        expect(stored[0]).toMatchObject({ seq: ack.answered, answer: ack.answer, theta_after: ack.theta });
      }
      // A candidate retries until acknowledged, so nothing is stored that was not acknowledged either.
      if (!exam.failure) expect(rows).toHaveLength(exam.acks.length);
      if (rows.length > 0) {
        const recomputed = estimateFromItemParameters(
          rows.map(({ a, b, c, d }) => ({ a, b, c, d })),
          rows.map((r) => (r.correct ? 1 : 0)),
          {
            estimator: config.estimator,
            prior: config.prior,
            thetaRange: config.thetaRange,
            quadraturePoints: config.quadraturePoints,
            scalingConstant: config.scalingConstant,
          },
        );
        expect(theta).toBe(recomputed.theta);
        expect(rows[rows.length - 1]!.theta_after).toBe(theta);
      }
    }
  } finally {
    await db.end();
  }
}

/** One query on a database of the run (its own connection, closed afterwards). */
export async function query(url: string, sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql, params);
  } finally {
    await client.end();
  }
}

/** Polls until `condition` holds (or fails after `timeoutMs`). */
export async function eventually(condition: () => Promise<boolean> | boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}
