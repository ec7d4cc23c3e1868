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
 * --cpu-prof DIR (V8 CPU profile of the server,
 * written to DIR when it exits; `node scripts/profile-summary.mjs DIR/*.cpuprofile` summarises it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { Redis } from 'ioredis';
import pg from 'pg';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const ADMIN_KEY = 'bench-admin-key-0123456789';

function flag(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 && process.argv[index + 1] ? process.argv[index + 1]! : fallback;
}
const SECONDS = Number(flag('seconds', '10'));
const LEVELS = flag('levels', '16,64,256').split(',').map(Number);
const CPU_PROFILE_DIR = flag('cpu-prof', '');
const ACTIVE_EXAMS = Number(flag('active-exams', '10000'));
const INSTANCES = Number(flag('instances', '1'));

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

/** Where the machine's CPU goes during a level: the server, Postgres (all backends), Redis and this load generator. */
function cpuMeter(serverPids: number[]) {
  const sample = () => ({
    server: serverPids.reduce((sum, pid) => sum + cpuSecondsOf(pid), 0),
    postgres: pidsOf('postgres').reduce((sum, pid) => sum + cpuSecondsOf(pid), 0),
    redis: pidsOf('redis-server').reduce((sum, pid) => sum + cpuSecondsOf(pid), 0),
    client: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
    at: performance.now(),
  });
  const start = sample();
  return () => {
    const end = sample();
    const wall = (end.at - start.at) / 1000;
    const share = (key: 'server' | 'postgres' | 'redis' | 'client') => (end[key] - start[key]) / wall;
    return { server: share('server'), postgres: share('postgres'), redis: share('redis'), client: share('client') };
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

async function main(): Promise<void> {
  const suffix = randomBytes(4).toString('hex');
  const database = `cat_bench_${suffix}`;
  const prefix = `cat_bench_${suffix}:`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${database}"`);
  const dbUrl = new URL(ADMIN_URL);
  dbUrl.pathname = `/${database}`;
  const children: ChildProcess[] = [];
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    execFileSync('npx', ['--no-install', 'prisma', 'migrate', 'deploy'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: dbUrl.toString() },
      stdio: 'ignore',
    });
    const profiling = CPU_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROFILE_DIR}`] : [];
    const servers: ChildProcess[] = [];
    const bases: string[] = [];
    for (let n = 0; n < INSTANCES; n++) {
      const port = await freePort();
      const server = spawn(process.execPath, [...profiling, 'dist/main.js'], {
        cwd: ROOT,
        env: {
          ...process.env,
          NODE_ENV: 'production',
          PORT: String(port),
          HOST: '127.0.0.1',
          DATABASE_URL: dbUrl.toString(),
          DATABASE_POOL_SIZE: process.env.DATABASE_POOL_SIZE ?? '10',
          REDIS_URL,
          REDIS_KEY_PREFIX: prefix,
          ADMIN_API_KEY: ADMIN_KEY,
          LOG_LEVEL: 'warn',
          SESSION_SWEEP_INTERVAL_MS: '0',
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      children.push(server);
      servers.push(server);
      bases.push(`http://127.0.0.1:${port}`);
    }
    for (const url of bases) {
      for (let i = 0; i < 100; i++) {
        try {
          if ((await call(url, 'GET', '/health/live')).status === 200) break;
        } catch {
          /* starting */
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const base = bases[0]!;
    // Requests alternate between the instances (a round-robin load balancer).
    let turn = 0;
    const next = () => bases[turn++ % bases.length]!;
    const adminHeaders = { 'x-api-key': ADMIN_KEY };
    const bank = await call(base, 'POST', '/v1/item-banks', { name: 'bench' }, adminHeaders);
    await call(base, 'POST', `/v1/item-banks/${bank.body.id}/items`, { items: makeItems(1000) }, adminHeaders);

    const db = new pg.Client({ connectionString: dbUrl.toString() });
    await db.connect();
    cleanups.push(() => db.end());
    const commits = async () =>
      Number((await db.query(`SELECT xact_commit FROM pg_stat_database WHERE datname = $1`, [database])).rows[0].xact_commit);

    // One simulated candidate after another, each through a complete 20-item exam.
    const candidate = (deadline: number, record: (ms: number) => void) => async () => {
      let errors = 0;
      while (performance.now() < deadline) {
        const started = await call(next(), 'POST', '/v1/exams', {
          bankId: bank.body.id,
          candidateId: randomBytes(6).toString('hex'),
          config: { maxItems: 20, seThreshold: 0 },
        });
        if (started.status !== 201) {
          errors++;
          continue;
        }
        const auth = { authorization: `Bearer ${started.body.token}` };
        let item = started.body.item as { id: string } | null;
        while (item && performance.now() < deadline) {
          const t0 = performance.now();
          const res = await call(next(), 'POST', `/v1/exams/${started.body.examId}/answers`, { itemId: item.id, answer: Math.random() < 0.6 ? 'A' : 'B' }, auth);
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

    const redis = new Redis(REDIS_URL);
    cleanups.push(() => redis.quit());
    const redisCommands = async () => Number(/total_commands_processed:(\d+)/.exec(await redis.info('stats'))![1]);

    type ApiLevel = LevelResult & { txPerAnswer: number; redisCommandsPerAnswer: number; cpu: CpuShares };
    const measureLevel = async (c: number): Promise<ApiLevel> => {
      const [txBefore, redisBefore] = [await commits(), await redisCommands()];
      const meter = cpuMeter(servers.map((server) => server.pid!));
      const result = await runLevel(c, (deadline, record) => candidate(deadline, record)());
      const cpu = meter();
      const [txAfter, redisAfter] = [await commits(), await redisCommands()];
      const perAnswer = (delta: number) => delta / Math.max(1, result.count);
      return { ...result, txPerAnswer: perAnswer(txAfter - txBefore), redisCommandsPerAnswer: perAnswer(redisAfter - redisBefore - 2), cpu };
    };
    // Warm-up (not reported): the JIT, the pools and the item cache settle before anything is measured.
    await measureLevel(64);
    const api: ApiLevel[] = [];
    for (const c of LEVELS) api.push(await measureLevel(c));

    // Flat latency with many exams open: hold ACTIVE_EXAMS more active exams (hot state in Redis, rows in
    // Postgres), then measure C = 64 again.
    const memoryBefore = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);
    let opened = 0;
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (opened < ACTIVE_EXAMS) {
          opened++;
          const res = await call(base, 'POST', '/v1/exams', { bankId: bank.body.id, candidateId: `held-${opened}`, config: { maxItems: 20, seThreshold: 0 } });
          if (res.status !== 201) throw new Error(`could not open exam: ${res.status}`);
        }
      }),
    );
    const memoryAfter = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);
    const withActive = await measureLevel(64);

    // Redis bytes per active exam: open exams on a fresh prefix scan (this run's prefix only).
    const open = await Promise.all(
      Array.from({ length: 50 }, async () => {
        const s = await call(base, 'POST', '/v1/exams', { bankId: bank.body.id, candidateId: 'mem', config: { maxItems: 40, seThreshold: 0 } });
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
    const hello = spawn(process.execPath, ['-e', `const f=require('fastify')();f.get('/',async()=>({ok:true}));f.listen({port:${helloPort},host:'127.0.0.1'})`], {
      cwd: ROOT,
      stdio: 'ignore',
    });
    children.push(hello);
    const helloBase = `http://127.0.0.1:${helloPort}`;
    for (let i = 0; i < 50; i++) {
      try {
        await call(helloBase, 'GET', '/');
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
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
    const pool = new pg.Pool({ connectionString: dbUrl.toString(), max: Number(process.env.DATABASE_POOL_SIZE ?? 10) });
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

    const f = (n: number, d = 1) => n.toFixed(d);
    const lines = [
      `Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; load generator on the same machine.`,
      `Run: \`npm run bench:api -- --seconds ${SECONDS} --levels ${LEVELS.join(',')} --active-exams ${ACTIVE_EXAMS} --instances ${INSTANCES}\`, 1,000-item 2PL bank, 20-item exams, pool ${process.env.DATABASE_POOL_SIZE ?? 10} per instance.`,
      '',
      '| C | answers/s | p50 ms | p95 ms | p99 ms | errors | Postgres tx per answer | Redis commands per answer (incl. inside scripts) | Fastify hello req/s | ratio | pg inserts/s | ratio |',
      '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...api.map((r, i) => {
        const h = helloResults[i]!;
        const p = insertResults[i]!;
        return `| ${r.concurrency} | ${f(r.perSecond, 0)} | ${f(r.p50)} | ${f(r.p95)} | ${f(r.p99)} | ${r.errors} | ${f(r.txPerAnswer, 2)} | ${f(r.redisCommandsPerAnswer, 2)} | ${f(h.perSecond, 0)} | ${f(r.perSecond / h.perSecond, 2)} | ${f(p.perSecond, 0)} | ${f(r.perSecond / p.perSecond, 2)} |`;
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
      '',
      `With ${ACTIVE_EXAMS} more exams active (Redis +${f((memoryAfter - memoryBefore) / 2 ** 20, 1)} MiB, ${f((memoryAfter - memoryBefore) / ACTIVE_EXAMS, 0)} bytes each incl. overhead), C = 64: ` +
        `${f(withActive.perSecond, 0)} answers/s, p50 ${f(withActive.p50)} ms, p95 ${f(withActive.p95)} ms, p99 ${f(withActive.p99)} ms, ${withActive.errors} errors.`,
      '',
      `Redis per active exam after 20 answers (MEMORY USAGE, ${sizes.length} exams, prefix ${prefix.length} chars): ${f(bytesPerSession, 0)} bytes.`,
      '(Postgres tx per answer counts every committed transaction in the database during the level, exam starts and item reads included, divided by answers.)',
    ];
    console.log(lines.join('\n'));
  } finally {
    for (const child of children) child.kill('SIGTERM');
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
    await new Promise((r) => setTimeout(r, 500));
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await admin.end();
    const redis = new Redis(REDIS_URL);
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    await redis.quit();
    agent.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
