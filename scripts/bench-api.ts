/**
 * API load benchmark (`npm run bench:api`, after `npm run build`).
 *
 * Starts the compiled server against its own database and Redis key prefix on the local Postgres and Redis,
 * drives C concurrent simulated candidates (C = 16, 64, 256) through complete exams on a 1,000-item bank, and
 * measures, in the same run, two ceilings of this machine at the same concurrency: a Fastify hello-world route
 * and raw `pg` single-row inserts. Prints a Markdown report (docs/benchmarks.md quotes it).
 *
 * Flags: --seconds N (per level, default 10), --levels 16,64,256, --active-exams N (held open for the
 * flat-latency check, default 10000), --instances N (server processes behind a round-robin client, default 1),
 * --cpu-prof DIR (V8 CPU profile of the server, written to DIR when it exits; `node scripts/profile-summary.mjs
 * DIR/*.cpuprofile` summarises it), --node PATH (the Node.js binary both servers run on, default the one running this
 * script: e.g. the production image's Node 24 on a machine whose own Node is older), --gc (the service and the floor
 * run with `--trace-gc-nvp`; the report adds their garbage-collection time per answer: main-thread pauses, and the
 * helper threads' parallel and concurrent work, which /proc counts in the server's CPU as well).
 *
 * Side by side: --floor PATH also starts that server (a framework-free floor of the same contract, e.g.
 * ../shared/perf-floor/floor-server.mjs) on a database of its own, and drives both with the same client,
 * alternating runs (service, floor, service, floor: --rounds N, default 2) at each level, printing the ratio of
 * answers/s and each server's CPU per answer. With --floor the ceilings and the held-exams check are skipped
 * unless --full is given.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const ADMIN_KEY = 'bench-admin-key-0123456789';
/** Exams are started with the root key and an ad-hoc config (the floor ignores the header). */
const ADMIN_HEADERS = { 'x-api-key': ADMIN_KEY };
const POOL_SIZE = process.env.DATABASE_POOL_SIZE ?? '10';

function flag(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 && process.argv[index + 1] ? process.argv[index + 1]! : fallback;
}
const SECONDS = Number(flag('seconds', '10'));
const LEVELS = flag('levels', '16,64,256').split(',').map(Number);
const CPU_PROFILE_DIR = flag('cpu-prof', '');
const ACTIVE_EXAMS = Number(flag('active-exams', '10000'));
const INSTANCES = Number(flag('instances', '1'));
const FLOOR = flag('floor', '');
const ROUNDS = Number(flag('rounds', '2'));
const FULL = !FLOOR || process.argv.includes('--full');
const SERVER_NODE = path.resolve(flag('node', process.execPath));
const GC_TRACE = process.argv.includes('--gc');

/** The version the servers will run on; a clear error, before anything starts, when --node is not a Node.js binary. */
function serverNodeVersion(): string {
  try {
    return execFileSync(SERVER_NODE, ['--version'], { encoding: 'utf8' }).trim();
  } catch (error) {
    throw new Error(`--node ${SERVER_NODE}: not a Node.js binary that runs here (${(error as Error).message})`, { cause: error });
  }
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });

interface Reply {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

function call(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${base}${path}`,
      {
        method,
        agent,
        headers: { ...headers, ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitUntilLive(base: string, path = '/health/live'): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await call(base, 'GET', path)).status === 200) return;
    } catch {
      /* starting */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${base} did not come up`);
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** CPU seconds (user + system) a process has used, from /proc (Linux); 0 when it is gone. */
function cpuSecondsOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in USER_HZ (100 on Linux)
  } catch {
    return 0;
  }
}

/** Pids whose command line starts with `name` (postgres backends, redis-server). */
function pidsOf(name: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.startsWith(name)) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

/** CPU seconds of each process whose command line starts with `name`, by pid. */
function cpuByPid(name: string): Map<number, number> {
  return new Map(pidsOf(name).map((pid) => [pid, cpuSecondsOf(pid)]));
}

/** CPU a group of processes used since `before`: per pid, so that a process that exits or starts meanwhile (an
 * autovacuum worker, a new backend) does not skew the sum; the time of one that exited is not seen. */
function cpuSince(before: Map<number, number>, after: Map<number, number>): number {
  let used = 0;
  for (const [pid, seconds] of after) used += seconds - (before.get(pid) ?? 0);
  return used;
}

/** Garbage collection of one server process so far, from its `--trace-gc-nvp` lines. */
interface GcTotals {
  /** Main-thread pauses, ms. */
  pauseMs: number;
  /** Helper threads: parallel scavenging, concurrent marking, sweeping and evacuation, ms. */
  helperMs: number;
  scavenges: number;
  markCompacts: number;
}

/**
 * Reads a server's stdout for V8's `--trace-gc-nvp` lines (one per collection: `pause=… gc=s|mc … background.…=…`)
 * and keeps their running totals; every other line (the service's own log) is passed over.
 */
function followGc(stdout: NodeJS.ReadableStream): GcTotals {
  const totals: GcTotals = { pauseMs: 0, helperMs: 0, scavenges: 0, markCompacts: 0 };
  let pending = '';
  stdout.setEncoding('utf8');
  stdout.on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      const kind = / gc=(\w+) /.exec(line)?.[1];
      if (!kind) continue;
      if (kind === 's') totals.scavenges++;
      else totals.markCompacts++;
      totals.pauseMs += Number(/ pause=([\d.]+)/.exec(line)?.[1] ?? 0);
      for (const [, ms] of line.matchAll(/ background\.[\w.]+=([\d.]+)/g)) totals.helperMs += Number(ms);
    }
  });
  return totals;
}

/** What the servers' collections added since `before`, summed over their processes. */
function gcSince(before: GcTotals[], servers: GcTotals[]): GcTotals {
  const sum: GcTotals = { pauseMs: 0, helperMs: 0, scavenges: 0, markCompacts: 0 };
  servers.forEach((now, i) => {
    for (const key of Object.keys(sum) as (keyof GcTotals)[]) sum[key] += now[key] - before[i]![key];
  });
  return sum;
}

/** Where the machine's CPU goes during a level: the server, Postgres (all backends), Redis and this load generator. */
function cpuMeter(serverPids: number[]) {
  const sample = () => ({
    server: new Map(serverPids.map((pid) => [pid, cpuSecondsOf(pid)])),
    postgres: cpuByPid('postgres'),
    redis: cpuByPid('redis-server'),
    client: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
    at: performance.now(),
  });
  const start = sample();
  return () => {
    const end = sample();
    const wall = (end.at - start.at) / 1000;
    return {
      server: cpuSince(start.server, end.server) / wall,
      postgres: cpuSince(start.postgres, end.postgres) / wall,
      redis: cpuSince(start.redis, end.redis) / wall,
      client: (end.client - start.client) / wall,
    };
  };
}
type CpuShares = ReturnType<ReturnType<typeof cpuMeter>>;

interface LevelResult {
  concurrency: number;
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  count: number;
}

/** Runs `worker` in C parallel loops for the duration; each call returns the latencies it measured. */
async function runLevel(
  concurrency: number,
  worker: (deadline: number, record: (ms: number) => void) => Promise<number>,
  seconds = SECONDS,
): Promise<LevelResult> {
  const latencies: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  const errors = await Promise.all(Array.from({ length: concurrency }, () => worker(deadline, (ms) => latencies.push(ms))));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((x, y) => x - y);
  return {
    concurrency,
    perSecond: latencies.length / elapsed,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    errors: errors.reduce((a, b) => a + b, 0),
    count: latencies.length,
  };
}

function makeItems(count: number) {
  let state = 12345;
  const random = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 4_294_967_296;
  };
  return Array.from({ length: count }, (_, i) => ({
    externalId: `bench-${i}`,
    stem: `Bench question ${i}`,
    options: ['A', 'B', 'C', 'D'].map((key) => ({ key, text: `${key}${i}` })),
    correctKey: 'A',
    a: 0.8 + random() * 1.2,
    b: (random() - 0.5) * 5,
  }));
}

/** A server under test: where to send requests (round robin over its instances) and the pids to meter. */
interface Target {
  name: string;
  bases: string[];
  pids: number[];
  bankId: string;
  /** With --gc: each process's collections so far. */
  gc: GcTotals[];
}

async function createBenchBank(base: string): Promise<string> {
  const bank = await call(base, 'POST', '/v1/item-banks', { name: 'bench' }, ADMIN_HEADERS);
  const imported = await call(base, 'POST', `/v1/item-banks/${bank.body.id}/items`, { items: makeItems(1000) }, ADMIN_HEADERS);
  if (bank.status !== 201 || imported.status !== 201) throw new Error(`bank set-up failed on ${base}: ${bank.status} ${imported.status}`);
  return bank.body.id as string;
}

/** One simulated candidate after another, each through a complete 20-item exam; returns its error count. */
function candidates(target: Target) {
  let turn = 0;
  const next = () => target.bases[turn++ % target.bases.length]!;
  return async (deadline: number, record: (ms: number) => void): Promise<number> => {
    let errors = 0;
    while (performance.now() < deadline) {
      const started = await call(
        next(),
        'POST',
        '/v1/exams',
        { bankId: target.bankId, candidateId: randomBytes(6).toString('hex'), config: { maxItems: 20, seThreshold: 0 } },
        ADMIN_HEADERS,
      );
      if (started.status !== 201) {
        errors++;
        continue;
      }
      const auth = { authorization: `Bearer ${started.body.token}` };
      let item = started.body.item as { id: string } | null;
      while (item && performance.now() < deadline) {
        const t0 = performance.now();
        const answer = { itemId: item.id, answer: Math.random() < 0.6 ? 'A' : 'B' };
        const res = await call(next(), 'POST', `/v1/exams/${started.body.examId}/answers`, answer, auth);
        if (res.status !== 200) {
          errors++;
          break;
        }
        record(performance.now() - t0);
        item = res.body.item;
      }
    }
    return errors;
  };
}

const STATS_FLUSH_MS = 11_000;

/** Stores traffic per answer: committed Postgres transactions, and Redis commands sent (MONITOR, scripts' own excluded). */
async function storeTrafficOfOneExam(target: Target, databaseName: string, dbUrl: string, redisDb = 0) {
  const db = new pg.Client({ connectionString: dbUrl });
  await db.connect();
  const monitorClient = new Redis(REDIS_URL, { db: redisDb });
  const monitor = await monitorClient.monitor();
  const commands: string[] = [];
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    if (source !== 'lua') commands.push(String(args[0]).toLowerCase());
  });
  const commits = async () =>
    Number((await db.query(`SELECT xact_commit FROM pg_stat_database WHERE datname = $1`, [databaseName])).rows[0].xact_commit);
  try {
    const base = target.bases[0]!;
    const started = await call(base, 'POST', '/v1/exams', { bankId: target.bankId, candidateId: 'traffic', config: { maxItems: 20, seThreshold: 0 } }, ADMIN_HEADERS);
    // Postgres publishes a backend's counters when it has been idle for up to PGSTAT_IDLE_INTERVAL (10 s).
    await new Promise((r) => setTimeout(r, STATS_FLUSH_MS));
    commands.length = 0;
    const before = await commits();
    let item = started.body.item as { id: string } | null;
    let answers = 0;
    while (item) {
      const res = await call(base, 'POST', `/v1/exams/${started.body.examId}/answers`, { itemId: item.id, answer: 'A' }, {
        authorization: `Bearer ${started.body.token}`,
      });
      answers++;
      item = res.body.item;
    }
    const redisCommands = commands.length;
    await new Promise((r) => setTimeout(r, STATS_FLUSH_MS));
    // The two pg_stat_database reads are transactions of their own; MONITOR sees this client's own commands too.
    const transactions = (await commits()) - before - 1;
    return { answers, postgresTransactions: transactions / answers, redisCommands: redisCommands / answers, commandNames: [...new Set(commands)] };
  } finally {
    monitor.disconnect();
    monitorClient.disconnect();
    await db.end();
  }
}

async function main(): Promise<void> {
  const serverVersion = serverNodeVersion();
  const suffix = randomBytes(4).toString('hex');
  const database = `cat_bench_${suffix}`;
  const floorDatabase = `cat_bench_${suffix}_floor`;
  const prefix = `cat_bench_${suffix}:`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${database}"`);
  if (FLOOR) await admin.query(`CREATE DATABASE "${floorDatabase}"`);
  const urlOf = (name: string) => {
    const url = new URL(ADMIN_URL);
    url.pathname = `/${name}`;
    return url.toString();
  };
  const dbUrl = urlOf(database);
  const children: ChildProcess[] = [];
  const cleanups: (() => Promise<unknown>)[] = [];
  const lines: string[] = [];
  const f = (n: number, d = 1) => n.toFixed(d);
  try {
    execFileSync('npx', ['--no-install', 'prisma', 'migrate', 'deploy'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: dbUrl },
      stdio: 'ignore',
    });
    const profiling = CPU_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROFILE_DIR}`] : [];
    const service: Target = { name: 'service', bases: [], pids: [], bankId: '', gc: [] };
    const gcFlags = GC_TRACE ? ['--trace-gc-nvp'] : [];
    // With --gc the servers' stdout carries V8's lines; without it, nothing on it is read.
    const serverStdio = ['ignore', GC_TRACE ? 'pipe' : 'ignore', 'inherit'] as const;
    for (let n = 0; n < INSTANCES; n++) {
      const port = await freePort();
      const server = spawn(SERVER_NODE, [...gcFlags, ...profiling, 'dist/main.js'], {
        cwd: ROOT,
        env: {
          ...process.env,
          NODE_ENV: 'production',
          PORT: String(port),
          HOST: '127.0.0.1',
          DATABASE_URL: dbUrl,
          DATABASE_POOL_SIZE: POOL_SIZE,
          REDIS_URL,
          REDIS_KEY_PREFIX: prefix,
          ADMIN_API_KEY: ADMIN_KEY,
          LOG_LEVEL: 'warn',
          SESSION_SWEEP_INTERVAL_MS: '0',
          METRICS_PORT: String(await freePort()),
          // The limiters run (their cost is part of what is measured) but this one client never reaches them.
          RATE_LIMIT_IP_PER_MINUTE: '10000000',
          RATE_LIMIT_CLIENT_PER_MINUTE: '10000000',
        },
        stdio: [...serverStdio],
      });
      children.push(server);
      if (GC_TRACE) service.gc.push(followGc(server.stdout!));
      service.pids.push(server.pid!);
      service.bases.push(`http://127.0.0.1:${port}`);
    }
    for (const base of service.bases) await waitUntilLive(base);
    const base = service.bases[0]!;
    service.bankId = await createBenchBank(base);

    let floor: Target | null = null;
    if (FLOOR) {
      const port = await freePort();
      const child = spawn(SERVER_NODE, [...gcFlags, path.resolve(FLOOR)], {
        cwd: ROOT,
        env: { ...process.env, PORT: String(port), PG_URL: urlOf(floorDatabase), REDIS_PORT: new URL(REDIS_URL).port || '6379' },
        stdio: [...serverStdio],
      });
      children.push(child);
      floor = { name: 'floor', bases: [`http://127.0.0.1:${port}`], pids: [child.pid!], bankId: '', gc: GC_TRACE ? [followGc(child.stdout!)] : [] };
      await waitUntilLive(floor.bases[0]!);
      floor.bankId = await createBenchBank(floor.bases[0]!);
    }

    const db = new pg.Client({ connectionString: dbUrl });
    await db.connect();
    cleanups.push(() => db.end());
    const commits = async () =>
      Number((await db.query(`SELECT xact_commit FROM pg_stat_database WHERE datname = $1`, [database])).rows[0].xact_commit);
    const redis = new Redis(REDIS_URL);
    cleanups.push(() => redis.quit());
    const redisCommands = async () => Number(/total_commands_processed:(\d+)/.exec(await redis.info('stats'))![1]);

    type ApiLevel = LevelResult & { txPerAnswer: number; redisCommandsPerAnswer: number; cpu: CpuShares; gc: GcTotals };
    const measureLevel = async (target: Target, c: number): Promise<ApiLevel> => {
      const [txBefore, redisBefore] = [await commits(), await redisCommands()];
      const meter = cpuMeter(target.pids);
      const gcBefore = target.gc.map((totals) => ({ ...totals }));
      const result = await runLevel(c, candidates(target));
      const cpu = meter();
      const gc = gcSince(gcBefore, target.gc);
      const [txAfter, redisAfter] = [await commits(), await redisCommands()];
      const perAnswer = (delta: number) => delta / Math.max(1, result.count);
      return { ...result, txPerAnswer: perAnswer(txAfter - txBefore), redisCommandsPerAnswer: perAnswer(redisAfter - redisBefore - 2), cpu, gc };
    };
    /** With --gc: collection time per answer in µs, main thread / helper threads, and how many collections of each kind. */
    const gcCells = (r: ApiLevel) => {
      const perAnswer = (ms: number) => f((ms * 1000) / Math.max(1, r.count), 1);
      return `${perAnswer(r.gc.pauseMs)} / ${perAnswer(r.gc.helperMs)} | ${r.gc.scavenges} / ${r.gc.markCompacts}`;
    };
    /** CPU of the server processes per answer, in ms. */
    const cpuMsPerAnswer = (r: ApiLevel) => (r.cpu.server * 1000) / Math.max(1, r.perSecond);
    /** The same for every process the run keeps busy: server / Postgres / Redis / load generator. */
    const cpuSplit = (r: ApiLevel) =>
      [r.cpu.server, r.cpu.postgres, r.cpu.redis, r.cpu.client].map((cores) => f((cores * 1000) / Math.max(1, r.perSecond), 3)).join(' / ');

    lines.push(
      `Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; load generator on the same machine.`,
      `Servers on Node ${serverVersion}${SERVER_NODE === process.execPath ? '' : ` (${SERVER_NODE})`}.`,
      `Run: \`npm run bench:api -- ${process.argv.slice(2).join(' ')}\`, 1,000-item 2PL bank, 20-item exams, pool ${POOL_SIZE} per instance, ${SECONDS} s per run.`,
      '',
    );

    // Warm-up (not reported): the JIT, the pools and the bank snapshots settle before anything is measured.
    await measureLevel(service, 64);
    if (floor) await measureLevel(floor, 64);

    const traffic = await storeTrafficOfOneExam(service, database, dbUrl);
    lines.push(
      `Store traffic per answer (one exam of ${traffic.answers} answers, alone on the server): ${f(traffic.postgresTransactions, 2)} Postgres transactions, ` +
        `${f(traffic.redisCommands, 2)} Redis commands sent (${traffic.commandNames.join(', ')}; each one round trip, commands run inside scripts not counted).`,
      '',
    );

    if (floor) {
      lines.push(
        `Side by side with ${path.basename(FLOOR)}: the same client, alternating runs (service, floor, …), ${ROUNDS} round(s) per level.`,
        '',
        'CPU per answer in ms: of the server process, and of Postgres / Redis / the load generator during the same run.',
        '',
        '| C | round | service answers/s | p50 / p95 / p99 ms | CPU: server / pg / redis / client | floor answers/s | p50 / p95 / p99 ms | CPU: floor / pg / redis / client | ratio |',
        '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      );
      const summary: string[] = [];
      const gcRows: string[] = [];
      for (const c of LEVELS) {
        let serviceTotal = 0;
        let floorTotal = 0;
        for (let round = 1; round <= ROUNDS; round++) {
          const ours = await measureLevel(service, c);
          const theirs = await measureLevel(floor, c);
          serviceTotal += ours.perSecond;
          floorTotal += theirs.perSecond;
          const latency = (r: LevelResult) => `${f(r.p50)} / ${f(r.p95)} / ${f(r.p99)}`;
          lines.push(
            `| ${c} | ${round} | ${f(ours.perSecond, 0)} | ${latency(ours)} | ${cpuSplit(ours)} | ${f(theirs.perSecond, 0)} | ${latency(theirs)} | ` +
              `${cpuSplit(theirs)} | ${f(ours.perSecond / theirs.perSecond, 2)} |`,
          );
          if (ours.errors + theirs.errors > 0) lines.push(`(errors: service ${ours.errors}, floor ${theirs.errors})`);
          gcRows.push(`| ${c} | ${round} | ${gcCells(ours)} | ${gcCells(theirs)} |`);
          console.error(`C=${c} round ${round}: service ${f(ours.perSecond, 0)}/s, floor ${f(theirs.perSecond, 0)}/s`);
        }
        summary.push(`C = ${c}: ratio ${f(serviceTotal / floorTotal, 2)} (${f(serviceTotal / ROUNDS, 0)} vs ${f(floorTotal / ROUNDS, 0)} answers/s)`);
      }
      lines.push('', `Ratio of the summed answers/s over the rounds — ${summary.join('; ')}.`, '');
      if (GC_TRACE) {
        lines.push(
          'Garbage collection per answer in µs (`--gc`), in the same runs: main-thread pauses / helper threads (both part of the server CPU above).',
          '',
          '| C | round | service GC µs: main / helpers | scavenges / mark-compacts | floor GC µs: main / helpers | scavenges / mark-compacts |',
          '| ---: | ---: | ---: | ---: | ---: | ---: |',
          ...gcRows,
          '',
        );
      }
    }

    if (FULL) {
      const api: ApiLevel[] = [];
      for (const c of LEVELS) api.push(await measureLevel(service, c));

      // Flat latency with many exams open: hold ACTIVE_EXAMS more active exams (hot state in Redis, rows in
      // Postgres), then measure C = 64 again.
      const memoryBefore = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);
      let opened = 0;
      await Promise.all(
        Array.from({ length: 64 }, async () => {
          while (opened < ACTIVE_EXAMS) {
            opened++;
            const res = await call(base, 'POST', '/v1/exams', { bankId: service.bankId, candidateId: `held-${opened}`, config: { maxItems: 20, seThreshold: 0 } }, ADMIN_HEADERS);
            if (res.status !== 201) throw new Error(`could not open exam: ${res.status}`);
          }
        }),
      );
      const memoryAfter = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);
      const withActive = await measureLevel(service, 64);

      // Redis bytes per active exam after 20 answers.
      const open = await Promise.all(
        Array.from({ length: 50 }, async () => {
          const s = await call(base, 'POST', '/v1/exams', { bankId: service.bankId, candidateId: 'mem', config: { maxItems: 40, seThreshold: 0 } }, ADMIN_HEADERS);
          let item = s.body.item;
          for (let k = 0; k < 20; k++) {
            const r = await call(base, 'POST', `/v1/exams/${s.body.examId}/answers`, { itemId: item.id, answer: 'A' }, { authorization: `Bearer ${s.body.token}` });
            item = r.body.item;
          }
          return s.body.examId as string;
        }),
      );
      const sizes = await Promise.all(open.map((id) => redis.call('MEMORY', 'USAGE', `${prefix}{exam:${id}}:state`) as Promise<number>));
      const bytesPerSession = sizes.reduce((a, b) => a + b, 0) / sizes.length;

      // Ceiling 1: Fastify hello world in its own process, same client, same concurrency.
      const helloPort = await freePort();
      const hello = spawn(SERVER_NODE, ['-e', `const f=require('fastify')();f.get('/',async()=>({ok:true}));f.listen({port:${helloPort},host:'127.0.0.1'})`], {
        cwd: ROOT,
        stdio: 'ignore',
      });
      children.push(hello);
      const helloBase = `http://127.0.0.1:${helloPort}`;
      await waitUntilLive(helloBase, '/');
      const helloResults: LevelResult[] = [];
      for (const c of LEVELS) {
        helloResults.push(
          await runLevel(c, async (deadline, record) => {
            while (performance.now() < deadline) {
              const t0 = performance.now();
              await call(helloBase, 'GET', '/');
              record(performance.now() - t0);
            }
            return 0;
          }),
        );
      }

      // Ceiling 2: raw single-row inserts through a pg pool of the service's size.
      const pool = new pg.Pool({ connectionString: dbUrl, max: Number(POOL_SIZE) });
      cleanups.push(() => pool.end());
      await pool.query('CREATE TABLE bench_insert (id bigserial primary key, v double precision)');
      const insertResults: LevelResult[] = [];
      for (const c of LEVELS) {
        insertResults.push(
          await runLevel(c, async (deadline, record) => {
            while (performance.now() < deadline) {
              const t0 = performance.now();
              await pool.query('INSERT INTO bench_insert (v) VALUES ($1)', [Math.random()]);
              record(performance.now() - t0);
            }
            return 0;
          }),
        );
      }

      lines.push(
        '| C | answers/s | p50 ms | p95 ms | p99 ms | errors | server CPU ms/answer | Postgres tx per answer | Redis commands per answer (incl. inside scripts) | Fastify hello req/s | ratio | pg inserts/s | ratio |',
        '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
        ...api.map((r, i) => {
          const h = helloResults[i]!;
          const p = insertResults[i]!;
          return (
            `| ${r.concurrency} | ${f(r.perSecond, 0)} | ${f(r.p50)} | ${f(r.p95)} | ${f(r.p99)} | ${r.errors} | ${f(cpuMsPerAnswer(r), 3)} | ${f(r.txPerAnswer, 2)} | ` +
            `${f(r.redisCommandsPerAnswer, 2)} | ${f(h.perSecond, 0)} | ${f(r.perSecond / h.perSecond, 2)} | ${f(p.perSecond, 0)} | ${f(r.perSecond / p.perSecond, 2)} |`
          );
        }),
        '',
        'CPU during each level, in cores (this machine has ' + os.cpus().length + '):',
        '',
        '| C | server | Postgres | Redis | load generator | total |',
        '| ---: | ---: | ---: | ---: | ---: | ---: |',
        ...[...api, withActive].map((r, i) => {
          const { server: sv, postgres, redis: rd, client } = r.cpu;
          const label = i < api.length ? String(r.concurrency) : `${r.concurrency}, +${ACTIVE_EXAMS} active`;
          return `| ${label} | ${f(sv, 2)} | ${f(postgres, 2)} | ${f(rd, 2)} | ${f(client, 2)} | ${f(sv + postgres + rd + client, 2)} |`;
        }),
        ...(GC_TRACE
          ? [
              '',
              'Garbage collection per answer in µs (`--gc`): main-thread pauses / helper threads (both part of the server CPU).',
              '',
              '| C | GC µs: main / helpers | scavenges / mark-compacts |',
              '| ---: | ---: | ---: |',
              ...api.map((r) => `| ${r.concurrency} | ${gcCells(r)} |`),
            ]
          : []),
        '',
        `With ${ACTIVE_EXAMS} more exams active (Redis +${f((memoryAfter - memoryBefore) / 2 ** 20, 1)} MiB, ${f((memoryAfter - memoryBefore) / ACTIVE_EXAMS, 0)} bytes each incl. overhead), C = 64: ` +
          `${f(withActive.perSecond, 0)} answers/s, p50 ${f(withActive.p50)} ms, p95 ${f(withActive.p95)} ms, p99 ${f(withActive.p99)} ms, ${withActive.errors} errors.`,
        '',
        `Redis per active exam after 20 answers (MEMORY USAGE, ${sizes.length} exams, prefix ${prefix.length} chars): ${f(bytesPerSession, 0)} bytes.`,
        '(Postgres tx per answer counts every committed transaction in the database during the level, exam starts included, divided by answers.)',
      );
    }
    console.log(lines.join('\n'));
  } finally {
    for (const child of children) child.kill('SIGTERM');
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
    await new Promise((r) => setTimeout(r, 500));
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    if (FLOOR) await admin.query(`DROP DATABASE IF EXISTS "${floorDatabase}" WITH (FORCE)`);
    await admin.end();
    await deleteKeys(REDIS_URL, 0, `${prefix}*`);
    // The floor keeps its state in Redis db 7 under `floor:`.
    if (FLOOR) await deleteKeys(REDIS_URL, 7, 'floor:*');
    agent.destroy();
  }
}

async function deleteKeys(url: string, db: number, pattern: string): Promise<void> {
  const redis = new Redis(url, { db });
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    if (keys.length) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  await redis.quit();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
