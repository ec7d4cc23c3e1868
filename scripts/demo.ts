/**
 * One simulated candidate through an adaptive exam, against a running server.
 *
 *   BASE_URL=http://127.0.0.1:3000 ADMIN_API_KEY=… npm run demo
 *
 * Optional: DEMO_BANK_ID (reuse a bank; otherwise a demo bank is created and its id printed),
 * DEMO_THETA (the simulated candidate's true ability, default 0.8), DEMO_MAX_ITEMS (default 20).
 */
import { type components, createAdaptiveTestingClient, unwrap } from '../clients/typescript/src/index.js';
import { createRng } from '../src/irt/index.js';

const BASE_URL = process.env.BASE_URL ?? 'http://127.0.0.1:3000';
const ADMIN_API_KEY = process.env.ADMIN_API_KEY ?? '';
const TRUE_THETA = Number(process.env.DEMO_THETA ?? 0.8);
const MAX_ITEMS = Number(process.env.DEMO_MAX_ITEMS ?? 20);
const DEMO_ITEMS = 200;

const ansi = {
  bold: (s: string) => `\x1b[1m${s}\x1b[22m`,
  dim: (s: string) => `\x1b[2m${s}\x1b[22m`,
  green: (s: string) => `\x1b[32m${s}\x1b[39m`,
  red: (s: string) => `\x1b[31m${s}\x1b[39m`,
  cyan: (s: string) => `\x1b[36m${s}\x1b[39m`,
  yellow: (s: string) => `\x1b[33m${s}\x1b[39m`,
};

type AdminItem = components['schemas']['ItemView'];

/** One answer of the simulated candidate, as the chart draws it. */
interface Step {
  answered: number;
  theta: number;
  se: number;
  correct: boolean;
}

/** The typed client with the root key: the demo authors its bank and starts its exam as the admin. */
const admin = createAdaptiveTestingClient({ baseUrl: BASE_URL, apiKey: ADMIN_API_KEY });

/** The data of a call, or an error naming the step that failed (with the service's status, code and message). */
async function expectOk<T>(what: string, call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  try {
    return await unwrap(call);
  } catch (error) {
    throw new Error(`${what} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

async function ensureBank(): Promise<string> {
  const existing = process.env.DEMO_BANK_ID;
  if (existing) {
    const found = await admin.GET('/v1/item-banks/{bankId}', { params: { path: { bankId: existing } } });
    if (found.data && found.data.itemCount > 0) return existing;
    console.log(ansi.yellow(`DEMO_BANK_ID ${existing} not found or empty, creating a demo bank`));
  }
  const bank = await expectOk('create bank', admin.POST('/v1/item-banks', { body: { name: 'Demo arithmetic bank' } }));
  const random = createRng(42);
  const keys = ['A', 'B', 'C', 'D'];
  const items = Array.from({ length: DEMO_ITEMS }, (_, i) => {
    const x = 2 + Math.floor(random() * 90);
    const y = 2 + Math.floor(random() * 90);
    const correct = Math.floor(random() * 4);
    return {
      externalId: `demo-${i}`,
      stem: `What is ${x} + ${y}?`,
      options: keys.map((key, k) => ({ key, text: String(x + y + (k - correct) * (1 + (i % 3))) })),
      correctKey: keys[correct],
      a: 0.7 + random() * 1.5,
      b: -3 + random() * 6,
      c: Math.round(random() * 20) / 100,
      contentArea: i % 3 === 0 ? 'mental' : 'written',
    };
  });
  await expectOk('import items', admin.POST('/v1/item-banks/{bankId}/items', { params: { path: { bankId: bank.id } }, body: { items } }));
  console.log(`Created demo bank ${ansi.bold(bank.id)} with ${DEMO_ITEMS} items (reuse it: export DEMO_BANK_ID=${bank.id})`);
  return bank.id;
}

async function loadKeys(bankId: string): Promise<Map<string, AdminItem>> {
  const byId = new Map<string, AdminItem>();
  let cursor: string | undefined;
  do {
    const page = await expectOk('list items', admin.GET('/v1/item-banks/{bankId}/items', { params: { path: { bankId }, query: { limit: 1000, cursor } } }));
    for (const item of page.items) byId.set(item.id, item);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return byId;
}

function progressBar(done: number, total: number, width = 30): string {
  const filled = Math.round((Math.min(done, total) / total) * width);
  return `[${ansi.green('█'.repeat(filled))}${ansi.dim('·'.repeat(width - filled))}] ${String(done).padStart(2)}/${total}`;
}

/** One row per answer: θ as a dot on a −4…4 axis with its ±SE band, the true θ as a bar. */
function chart(steps: Step[]): string {
  const width = 49;
  const lo = -4;
  const hi = 4;
  const col = (theta: number) => Math.max(0, Math.min(width - 1, Math.round(((theta - lo) / (hi - lo)) * (width - 1))));
  const lines = [ansi.bold(`  #  ${'θ ± SE'.padEnd(width)}  θ        SE`)];
  for (const step of steps) {
    const row = Array.from({ length: width }, () => ' ');
    for (let c = col(step.theta - step.se); c <= col(step.theta + step.se); c++) row[c] = ansi.dim('─');
    row[col(TRUE_THETA)] = ansi.yellow('│');
    row[col(step.theta)] = step.correct ? ansi.green('●') : ansi.red('●');
    lines.push(`${String(step.answered).padStart(3)}  ${row.join('')}  ${step.theta.toFixed(3).padStart(6)}  ${step.se.toFixed(3)}`);
  }
  const axis = Array.from({ length: width }, (_, c) => (c % 6 === 0 ? '┼' : '─')).join('');
  lines.push(`     ${ansi.dim(axis)}`);
  lines.push(`     ${ansi.dim(`${lo}`.padEnd(width - 1) + `${hi}`)}`);
  lines.push(`     ${ansi.green('●')} correct  ${ansi.red('●')} wrong  ${ansi.dim('─')} ±SE  ${ansi.yellow('│')} true θ = ${TRUE_THETA}`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  if (!ADMIN_API_KEY) throw new Error('Set ADMIN_API_KEY (and BASE_URL if the server is not on http://127.0.0.1:3000)');
  const bankId = await ensureBank();
  const keys = await loadKeys(bankId);
  const exam = await expectOk(
    'start exam',
    admin.POST('/v1/exams', {
      body: {
        bankId,
        candidateId: `demo-${Date.now()}`,
        // An ad-hoc config with the root key; θ is shown after each answer for the chart.
        config: { maxItems: MAX_ITEMS, seThreshold: 0.3, selection: { randomesque: 3 }, feedback: 'theta' },
      },
    }),
  );
  // From here on the candidate's side: the exam token is the only credential.
  const candidate = createAdaptiveTestingClient({ baseUrl: BASE_URL, examToken: exam.token });
  console.log(`Exam ${ansi.bold(exam.examId)} — simulated candidate with true θ = ${TRUE_THETA}\n`);
  const random = createRng(7);
  const steps: Step[] = [];
  let stopReason: string | undefined;
  let item: components['schemas']['CandidateItemView'] | null = exam.item;
  while (item) {
    const params = keys.get(item.id);
    if (!params) throw new Error(`item ${item.id} is not in the bank listing`);
    if (params.correctKey === null) throw new Error(`item ${item.id} is not a right/wrong item`);
    const p = params.c + (params.d - params.c) / (1 + Math.exp(-params.a * (TRUE_THETA - params.b)));
    const correct = random() < p;
    const answer = correct ? params.correctKey : item.options.find((o) => o.key !== params.correctKey)!.key;
    const step: components['schemas']['AnswerView'] = await expectOk(
      'answer',
      candidate.POST('/v1/exams/{examId}/answers', { params: { path: { examId: exam.examId } }, body: { itemId: item.id, answer } }),
    );
    if (step.theta === undefined || step.se === undefined) throw new Error('The exam shows no θ: its feedback mode is not "theta"');
    steps.push({ answered: step.answered, theta: step.theta, se: step.se, correct });
    process.stdout.write(`\r${progressBar(step.answered, MAX_ITEMS)}  θ=${step.theta.toFixed(3).padStart(6)}  SE=${step.se.toFixed(3)}  `);
    item = step.item;
    if (step.done) {
      stopReason = step.stopReason;
      process.stdout.write(`\r${progressBar(step.answered, step.answered)}  done: ${ansi.cyan(stopReason ?? '')}            `);
    }
  }
  console.log('\n');
  console.log(chart(steps));
  const last = steps[steps.length - 1];
  console.log(
    `\nFinal θ = ${ansi.bold(last.theta.toFixed(3))} (SE ${last.se.toFixed(3)}) after ${last.answered} items; ` +
      `${steps.filter((s) => s.correct).length} correct. Stop reason: ${stopReason}.`,
  );
}

main().catch((error: unknown) => {
  console.error(ansi.red(error instanceof Error ? error.message : String(error)));
  process.exit(1);
});
