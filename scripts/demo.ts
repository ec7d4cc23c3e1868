/**
 * One simulated candidate through an adaptive exam, against a running server.
 *
 *   BASE_URL=http://127.0.0.1:3000 ADMIN_API_KEY=… npm run demo
 *
 * Optional: DEMO_BANK_ID (reuse a bank; otherwise a demo bank is created and its id printed),
 * DEMO_THETA (the simulated candidate's true ability, default 0.8), DEMO_MAX_ITEMS (default 20).
 */
import { createRng } from '../src/irt/index.js';

const BASE_URL = (process.env.BASE_URL ?? 'http://127.0.0.1:3000').replace(/\/$/, '');
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

interface Item {
  id: string;
  stem: string;
  options: { key: string; text: string }[];
}
interface AdminItem extends Item {
  correctKey: string;
  a: number;
  b: number;
  c: number;
  d: number;
}
interface Step {
  answered: number;
  theta: number;
  se: number;
  done: boolean;
  item: Item | null;
  stopReason?: string;
}

async function api<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> {
  const res = await fetch(`${BASE_URL}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}

async function expectOk<T>(what: string, call: Promise<{ status: number; body: T }>): Promise<T> {
  const { status, body } = await call;
  if (status >= 400) throw new Error(`${what} failed with ${status}: ${JSON.stringify(body)}`);
  return body;
}

const admin = { 'x-api-key': ADMIN_API_KEY };

async function ensureBank(): Promise<string> {
  const existing = process.env.DEMO_BANK_ID;
  if (existing) {
    const found = await api<{ itemCount: number }>('GET', `/v1/item-banks/${existing}`, undefined, admin);
    if (found.status === 200 && found.body.itemCount > 0) return existing;
    console.log(ansi.yellow(`DEMO_BANK_ID ${existing} not found or empty, creating a demo bank`));
  }
  const bank = await expectOk('create bank', api<{ id: string }>('POST', '/v1/item-banks', { name: 'Demo arithmetic bank' }, admin));
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
  await expectOk('import items', api('POST', `/v1/item-banks/${bank.id}/items`, { items }, admin));
  console.log(`Created demo bank ${ansi.bold(bank.id)} with ${DEMO_ITEMS} items (reuse it: export DEMO_BANK_ID=${bank.id})`);
  return bank.id;
}

async function loadKeys(bankId: string): Promise<Map<string, AdminItem>> {
  const byId = new Map<string, AdminItem>();
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `?limit=1000&cursor=${cursor}` : '?limit=1000';
    const page = await expectOk(
      'list items',
      api<{ items: AdminItem[]; nextCursor: string | null }>('GET', `/v1/item-banks/${bankId}/items${query}`, undefined, admin),
    );
    for (const item of page.items) byId.set(item.id, item);
    cursor = page.nextCursor;
  } while (cursor);
  return byId;
}

function progressBar(done: number, total: number, width = 30): string {
  const filled = Math.round((Math.min(done, total) / total) * width);
  return `[${ansi.green('█'.repeat(filled))}${ansi.dim('·'.repeat(width - filled))}] ${String(done).padStart(2)}/${total}`;
}

/** One row per answer: θ as a dot on a −4…4 axis with its ±SE band, the true θ as a bar. */
function chart(steps: (Step & { correct: boolean })[]): string {
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
    api<Step & { examId: string; token: string }>(
      'POST',
      '/v1/exams',
      {
        bankId,
        candidateId: `demo-${Date.now()}`,
        // An ad-hoc config with the root key; θ is shown after each answer for the chart.
        config: { maxItems: MAX_ITEMS, seThreshold: 0.3, selection: { randomesque: 3 }, feedback: 'theta' },
      },
      { 'x-api-key': ADMIN_API_KEY },
    ),
  );
  console.log(`Exam ${ansi.bold(exam.examId)} — simulated candidate with true θ = ${TRUE_THETA}\n`);
  const random = createRng(7);
  const steps: (Step & { correct: boolean })[] = [];
  let item = exam.item;
  while (item) {
    const params = keys.get(item.id);
    if (!params) throw new Error(`item ${item.id} is not in the bank listing`);
    const p = params.c + (params.d - params.c) / (1 + Math.exp(-params.a * (TRUE_THETA - params.b)));
    const correct = random() < p;
    const answer = correct ? params.correctKey : item.options.find((o) => o.key !== params.correctKey)!.key;
    const step = await expectOk(
      'answer',
      api<Step>('POST', `/v1/exams/${exam.examId}/answers`, { itemId: item.id, answer }, { authorization: `Bearer ${exam.token}` }),
    );
    steps.push({ ...step, correct });
    process.stdout.write(`\r${progressBar(step.answered, MAX_ITEMS)}  θ=${step.theta.toFixed(3).padStart(6)}  SE=${step.se.toFixed(3)}  `);
    item = step.item;
    if (step.done) process.stdout.write(`\r${progressBar(step.answered, step.answered)}  done: ${ansi.cyan(step.stopReason ?? '')}            `);
  }
  console.log('\n');
  console.log(chart(steps));
  const last = steps[steps.length - 1];
  console.log(
    `\nFinal θ = ${ansi.bold(last.theta.toFixed(3))} (SE ${last.se.toFixed(3)}) after ${last.answered} items; ` +
      `${steps.filter((s) => s.correct).length} correct. Stop reason: ${last.stopReason}.`,
  );
}

main().catch((error: unknown) => {
  console.error(ansi.red(error instanceof Error ? error.message : String(error)));
  process.exit(1);
});
