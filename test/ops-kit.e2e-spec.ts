import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { getMetadataStorage } from 'class-validator';
import { Redis } from 'ioredis';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import request from 'supertest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { Environment, validateEnvironment } from '../src/config/environment.js';
import { PROJECT_ROOT as ROOT } from './setup/test-env.js';
import { ADMIN, answerFor, appServer, bearer, createBank, seeded, startExam } from './support/exam-fixtures.js';
import { freePort } from './support/server-process.js';
import { metricsAuth, startApp } from './support/test-app.js';

/**
 * The operations kit (Dockerfile, docker-compose.yml, deploy/) checked against the app itself: the metrics its alerts
 * and dashboard read, the probes and ports its manifests use, the settings they set, and the Redis ACL it runs under.
 */

const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const packageJson = JSON.parse(read('package.json')) as { version: string; license: string };

/** Series from redis_exporter, not from the service: the only names the check lets through unserved. */
const REDIS_EXPORTER_SERIES = ['redis_memory_used_bytes', 'redis_connected_clients', 'redis_keyspace_hits_total', 'redis_keyspace_misses_total'];

const PROMQL_KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan']);

/** The metric names a PromQL expression reads: identifiers that are not functions, keywords, labels or numbers. */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const match of bare.matchAll(/(\d+(?:\.\d+)?(?:e[+-]?\d+)?)|([A-Za-z_:][\w:]*)(\s*\()?/gi)) {
    const [, , name, call] = match;
    if (name && !call && !PROMQL_KEYWORDS.has(name.toLowerCase())) names.add(name);
  }
  return [...names];
}

interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

function alertRules(): AlertRule[] {
  const file = parseYaml(read('deploy/prometheus/alerts.yml')) as { groups: { rules: AlertRule[] }[] };
  return file.groups.flatMap((group) => group.rules);
}

interface Target {
  expr: string;
  datasource?: { uid?: string };
}
interface Panel {
  title: string;
  datasource?: { uid?: string };
  targets?: Target[];
  panels?: Panel[];
}

function dashboardPanels(): Panel[] {
  const dashboard = JSON.parse(read('deploy/grafana/dashboard.json')) as { panels: Panel[] };
  return dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
}

/** Metric families of an exposition and their types, from its `# TYPE` lines. */
function familyTypes(text: string): Map<string, string> {
  const types = new Map<string, string>();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) types.set(name, type);
  return types;
}

/** Served as it is, or as a histogram's (or summary's) `_bucket` / `_sum` / `_count` series. */
function isServed(name: string, types: Map<string, string>): boolean {
  if (types.has(name)) return true;
  const series = /^(.+)_(bucket|sum|count)$/.exec(name);
  return !!series && ['histogram', 'summary'].includes(types.get(series[1]) ?? '');
}

type Manifest = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> }; [key: string]: unknown };

const K8S = 'deploy/kubernetes';

function manifests(file: string): Manifest[] {
  return parseAllDocuments(read(join(K8S, file))).map((document) => {
    expect({ file, errors: document.errors.map(String) }).toEqual({ file, errors: [] });
    return document.toJS() as Manifest;
  });
}

// The shapes read below, no more.
interface Probe {
  httpGet: { path: string; port: number | string };
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  ports?: { name?: string; containerPort: number }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  env?: { name: string; value?: string }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command: string[] }; sleep?: { seconds: number } } };
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean };
}
interface PodSpec {
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  containers: Container[];
}
interface PodTemplate {
  metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
  spec: PodSpec;
}

/** Every setting the service reads (src/config/environment.ts), and what prisma.config.ts reads for migrations. */
function knownSettings(): Set<string> {
  const service = getMetadataStorage()
    .getTargetValidationMetadatas(Environment, '', true, false)
    .map((metadata) => metadata.propertyName);
  const migrations = [...read('prisma.config.ts').matchAll(/process\.env\.([A-Z_]+)/g)].map(([, key]) => key);
  return new Set([...service, ...migrations]);
}

interface DockerStage {
  from: string;
  instructions: [string, string][];
}

/** The Dockerfile's stages with their instructions (continuations joined, comments dropped, ARG defaults applied). */
function dockerStages(): DockerStage[] {
  const text = read('Dockerfile')
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ');
  const globalArgs = new Map<string, string>();
  const stages: DockerStage[] = [];
  for (const line of text.split('\n').map((l) => l.trim()).filter(Boolean)) {
    const [, keyword, rest] = /^(\S+)\s+(.*)$/.exec(line) ?? [];
    const instruction = keyword.toUpperCase();
    if (instruction === 'FROM') {
      const image = rest.split(/\s+/)[0].replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a: string, b: string) => globalArgs.get(a ?? b) ?? '');
      stages.push({ from: image, instructions: [] });
    } else if (instruction === 'ARG' && stages.length === 0) {
      const [name, value = ''] = rest.split('=');
      globalArgs.set(name, value);
    } else {
      stages.at(-1)?.instructions.push([instruction, rest]);
    }
  }
  return stages;
}

/** Relative imports of a TypeScript file, followed through (`./x.js` is the source `./x.ts`). */
function localImports(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  for (const [, specifier] of read(file).matchAll(/(?:from|import)\s+['"](\.{1,2}\/[^'"]+)['"]/g)) {
    const target = normalize(join(dirname(file), specifier)).replace(/\.js$/, '.ts');
    localImports(target, seen);
  }
  return seen;
}

describe('Operations kit (e2e)', () => {
  let app: NestFastifyApplication;
  let exposition: string;

  beforeAll(async () => {
    app = await startApp();
    exposition = (await request(appServer(app)).get('/metrics').set(metricsAuth()).expect(200)).text;
  });
  afterAll(async () => {
    await app.close();
  });

  describe('alert rules and dashboard', () => {
    it('should read only metrics that /metrics serves, besides the listed redis_exporter series', () => {
      const exprs = [...alertRules().map((rule) => rule.expr), ...dashboardPanels().flatMap((panel) => (panel.targets ?? []).map((t) => t.expr))];
      const used = new Set(exprs.flatMap(metricNames));
      // The extraction finds what it should (an empty set would pass anything).
      expect([...used]).toEqual(
        expect.arrayContaining(['cat_http_request_duration_seconds_bucket', 'cat_http_request_duration_seconds_count', 'nodejs_eventloop_lag_p99_seconds', 'cat_db_pool_waiting_requests']),
      );
      expect(used).not.toContain('le');
      expect(used).not.toContain('time');

      const types = familyTypes(exposition);
      const unserved = [...used].filter((name) => !isServed(name, types));
      expect(unserved.sort()).toEqual([...REDIS_EXPORTER_SERIES].sort());
    });

    it('should give every alert a duration, a severity, a summary and a description', () => {
      const rules = alertRules();
      expect(rules.length).toBeGreaterThanOrEqual(11);
      for (const rule of rules) {
        expect({ alert: rule.alert, for: rule.for, severity: rule.labels?.severity }).toEqual({
          alert: rule.alert,
          for: expect.stringMatching(/^\d+[smh]$/),
          severity: expect.stringMatching(/^(warning|critical)$/),
        });
        expect(rule.annotations?.summary).toBeTruthy();
        expect(rule.annotations?.description).toBeTruthy();
        if (rule.expr.includes('redis_') && !rule.expr.includes('cat_redis')) expect(rule.annotations?.summary).toMatch(/redis_exporter/);
      }
    });

    it('should read the answer route and the fleet-wide active exams as the app labels and reports them', async () => {
      const answerRoute = '/v1/exams/:examId/answers';
      expect(alertRules().some((rule) => rule.expr.includes(`route="${answerRoute}"`))).toBe(true);
      // The app labels answers with exactly this route pattern.
      const { bankId, correctKeyOf } = await createBank(appServer(app), 10, 41);
      const started = await startExam(appServer(app), { bankId, candidateId: 'ops-kit-route', config: { maxItems: 1, seThreshold: 0 } }).expect(201);
      const item = started.body.item as { id: string };
      await request(appServer(app))
        .post(`/v1/exams/${started.body.examId}/answers`)
        .set(bearer(started.body.token))
        .send({ itemId: item.id, answer: answerFor(item.id, correctKeyOf, seeded(1)) })
        .expect(200);
      const text = (await request(appServer(app)).get('/metrics').set(metricsAuth()).expect(200)).text;
      expect(text).toContain(`cat_http_request_duration_seconds_count{method="POST",route="${answerRoute}",status_code="200"}`);

      const activeExams = dashboardPanels().flatMap((panel) => panel.targets ?? []).filter((t) => t.expr.includes('cat_active_exams'));
      expect(activeExams.length).toBeGreaterThan(0);
      for (const target of activeExams) expect(target.expr).toMatch(/^max\(/);
    });

    it('should take its datasource from the ${DS_PROMETHEUS} variable everywhere', () => {
      for (const panel of dashboardPanels()) {
        expect({ panel: panel.title, uid: panel.datasource?.uid }).toEqual({ panel: panel.title, uid: '${DS_PROMETHEUS}' });
        for (const target of panel.targets ?? []) expect(target.datasource?.uid ?? '${DS_PROMETHEUS}').toBe('${DS_PROMETHEUS}');
      }
    });
  });

  describe('Kubernetes manifests', () => {
    const files = readdirSync(join(ROOT, K8S)).filter((file) => /\.ya?ml$/.test(file));
    const all = () => files.filter((file) => file !== 'kustomization.yaml').flatMap(manifests);
    const one = <T>(kind: string, name?: string): T => {
      const found = all().filter((m) => m.kind === kind && (!name || m.metadata.name === name));
      expect({ kind, count: found.length }).toEqual({ kind, count: 1 });
      return found[0] as T;
    };
    const deployment = () => one<Manifest & { spec: { replicas: number; selector: { matchLabels: Record<string, string> }; template: PodTemplate } }>('Deployment');
    const configMap = () => one<Manifest & { data: Record<string, string> }>('ConfigMap').data;
    const server = () => deployment().spec.template.spec.containers[0];
    const settings = () => ({ ...Object.fromEntries(Object.entries(new Environment())), ...configMap() }) as Record<string, unknown>;

    /** A probe's or Service's port, by number or by the container port's name. */
    const portNumber = (port: number | string): number => {
      if (typeof port === 'number') return port;
      const named = server().ports?.find((p) => p.name === port);
      expect({ port, found: !!named }).toEqual({ port, found: true });
      return named!.containerPort;
    };

    it('should all parse, and the kustomization should list every manifest but the example Secret', () => {
      for (const manifest of all()) {
        expect(manifest.apiVersion).toBeTruthy();
        expect(manifest.kind).toBeTruthy();
        expect(manifest.metadata?.name).toBeTruthy();
      }
      const kustomization = manifests('kustomization.yaml')[0] as unknown as { resources: string[] };
      for (const resource of kustomization.resources) expect(existsSync(join(ROOT, K8S, resource))).toBe(true);
      expect([...kustomization.resources, 'kustomization.yaml', 'secret.example.yaml'].sort()).toEqual([...files].sort());
    });

    it('should probe /health/live and /health/ready on the app port, and the app should answer 200 there', async () => {
      const container = server();
      expect(container.livenessProbe?.httpGet.path).toBe('/health/live');
      expect(container.readinessProbe?.httpGet.path).toBe('/health/ready');
      const port = Number(configMap().PORT ?? new Environment().PORT);
      for (const probe of [container.livenessProbe, container.readinessProbe, container.startupProbe]) {
        if (probe) expect(portNumber(probe.httpGet.port)).toBe(port);
      }
      expect(container.ports?.map((p) => p.containerPort)).toContain(port);
      for (const path of new Set([container.livenessProbe!.httpGet.path, container.readinessProbe!.httpGet.path, container.startupProbe?.httpGet.path])) {
        if (path) await request(appServer(app)).get(path).expect(200);
      }
    });

    it('should expose the metrics port the app listens on, to the scraper', () => {
      const metricsPort = Number(settings().METRICS_PORT);
      expect(server().ports?.map((p) => p.containerPort)).toContain(metricsPort);
      expect(Number(deployment().spec.template.metadata.annotations?.['prometheus.io/port'])).toBe(metricsPort);
      const service = one<Manifest & { spec: { selector: Record<string, string>; ports: { targetPort: number | string }[] } }>('Service');
      expect(service.spec.ports.map((p) => portNumber(p.targetPort))).toEqual(expect.arrayContaining([Number(settings().PORT), metricsPort]));
    });

    it('should give a pod more time to stop than its preStop pause, drain delay and grace period together', () => {
      const { terminationGracePeriodSeconds = 30 } = deployment().spec.template.spec;
      const preStop = server().lifecycle?.preStop;
      const sleepCommand = preStop?.exec?.command.join(' ').match(/^sleep (\d+)$/);
      const preStopMs = 1000 * (preStop?.sleep?.seconds ?? (sleepCommand ? Number(sleepCommand[1]) : 0));
      const drainMs = Number(settings().SHUTDOWN_DRAIN_DELAY_MS);
      const graceMs = Number(settings().SHUTDOWN_GRACE_MS);
      expect(drainMs).toBeGreaterThan(0); // readiness fails before the listener closes
      expect(terminationGracePeriodSeconds * 1000).toBeGreaterThan(preStopMs + drainMs + graceMs);
    });

    it('should set only real settings, valid ones, from the ConfigMap and the example Secret', () => {
      const known = knownSettings();
      const secret = one<Manifest & { stringData: Record<string, string> }>('Secret').stringData;
      for (const key of [...Object.keys(configMap()), ...Object.keys(secret)]) expect({ key, known: known.has(key) }).toEqual({ key, known: true });
      expect(() => validateEnvironment({ ...configMap(), ...secret })).not.toThrow();
      for (const value of Object.values(secret)) expect(value).toMatch(/CHANGE_ME/);
      // Both consumers read them.
      const sources = server().envFrom?.map((source) => source.configMapRef?.name ?? source.secretRef?.name);
      expect(sources).toEqual([one<Manifest>('ConfigMap').metadata.name, one<Manifest>('Secret').metadata.name]);
    });

    it('should run as a non-root user on a read-only root filesystem', () => {
      for (const kind of ['Deployment', 'Job']) {
        const spec = (one<Manifest & { spec: { template: PodTemplate } }>(kind).spec.template.spec);
        expect(spec.securityContext?.runAsNonRoot).toBe(true);
        expect(spec.securityContext?.runAsUser).toBeGreaterThan(0);
        for (const container of spec.containers) {
          expect(container.securityContext?.readOnlyRootFilesystem).toBe(true);
          expect(container.securityContext?.allowPrivilegeEscalation).toBe(false);
        }
      }
    });

    it('should migrate in a Job of the same image, and scale, budget and serve the Deployment by its labels', () => {
      const job = one<Manifest & { spec: { backoffLimit: number; ttlSecondsAfterFinished: number; template: PodTemplate } }>('Job');
      const [migrate] = job.spec.template.spec.containers;
      expect(migrate.command).toEqual(['npm', 'run', 'db:migrate']);
      expect(migrate.image).toBe(server().image);
      expect(job.spec.backoffLimit).toBeGreaterThan(0);
      expect(job.spec.ttlSecondsAfterFinished).toBeGreaterThan(0);
      expect(server().command ?? []).not.toContain('migrate');

      const { replicas, selector, template } = deployment().spec;
      expect(replicas).toBe(3);
      expect(template.metadata.labels).toMatchObject(selector.matchLabels);
      const hpa = one<Manifest & { spec: { scaleTargetRef: { kind: string; name: string }; minReplicas: number; metrics: { resource?: { name: string } }[] } }>('HorizontalPodAutoscaler');
      expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: deployment().metadata.name });
      expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
      expect(hpa.spec.metrics.map((metric) => metric.resource?.name)).toContain('cpu');
      const pdb = one<Manifest & { spec: { selector: { matchLabels: Record<string, string> } } }>('PodDisruptionBudget');
      expect(template.metadata.labels).toMatchObject(pdb.spec.selector.matchLabels);
      const service = one<Manifest & { spec: { selector: Record<string, string> } }>('Service');
      expect(template.metadata.labels).toMatchObject(service.spec.selector);
    });
  });

  describe('Dockerfile', () => {
    const stages = dockerStages();
    const final = stages.at(-1)!;
    const last = (instruction: string) => final.instructions.filter(([name]) => name === instruction).at(-1)?.[1];

    it('should run the server on Node 22 or 24 as a non-root user, with a liveness HEALTHCHECK, and no migration', () => {
      expect(stages.length).toBeGreaterThanOrEqual(2);
      expect(final.from).toMatch(/^node:(22|24)[.-]/);
      const user = last('USER');
      expect(user).toBeDefined();
      expect(user!.split(':')[0]).not.toMatch(/^(root|0)$/);
      expect(last('HEALTHCHECK')).toMatch(/\/health\/live\b/);
      const cmd = JSON.parse(last('CMD')!) as string[];
      expect(cmd).toEqual(expect.arrayContaining(['node', 'dist/main.js']));
      expect(cmd.join(' ')).not.toMatch(/migrate/);
      expect(last('ENTRYPOINT')).toBeUndefined();
    });

    it('should carry the OCI labels, at the package version', () => {
      const labels = final.instructions.filter(([name]) => name === 'LABEL').map(([, rest]) => rest).join(' ');
      for (const key of ['title', 'description', 'source', 'licenses', 'version']) expect(labels).toContain(`org.opencontainers.image.${key}=`);
      expect(labels).toContain(`org.opencontainers.image.licenses="${packageJson.license}"`);
      expect(final.instructions).toContainEqual(['ARG', `VERSION=${packageJson.version}`]);
    });

    it('should hold what `npm run db:migrate` loads: the config, every file it imports, the migrations, the CLI', () => {
      const copied = final.instructions
        .filter(([name]) => name === 'COPY')
        .flatMap(([, rest]) => rest.split(/\s+/).filter((part) => !part.startsWith('--')).slice(0, -1))
        .map((source) => source.replace(/^\/app\//, ''));
      const covered = (file: string) => copied.some((source) => file === source || file.startsWith(`${source}/`));
      for (const file of [...localImports('prisma.config.ts'), 'prisma/schema.prisma', 'prisma/migrations', 'package.json', 'node_modules', 'dist']) {
        expect({ file, covered: covered(file) }).toEqual({ file, covered: true });
      }
      expect((JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts['db:migrate']).toBe('prisma migrate deploy');
      expect(Object.keys((JSON.parse(read('package.json')) as { dependencies: Record<string, string> }).dependencies)).toContain('prisma');
    });
  });

  describe('docker-compose.yml', () => {
    interface Service {
      image?: string;
      command?: string[];
      restart?: string;
      depends_on?: Record<string, { condition: string }>;
      environment?: Record<string, string>;
      volumes?: string[];
    }
    const { services } = parseYaml(read('docker-compose.yml')) as { services: Record<string, Service> };

    it('should migrate once in a service of its own that the app waits for', () => {
      expect(services.migrate.command).toEqual(['npm', 'run', 'db:migrate']);
      expect(services.migrate.restart).toBe('no');
      expect(services.migrate.image).toBe(services.app.image);
      expect(services.app.depends_on?.migrate).toEqual({ condition: 'service_completed_successfully' });
      expect(services.app.command).toBeUndefined();
      expect(services.app.restart).toBe('unless-stopped');
    });

    it('should require ADMIN_API_KEY, with no default', () => {
      expect(services.app.environment?.ADMIN_API_KEY).toMatch(/^\$\{ADMIN_API_KEY:\?[^}]+\}$/);
      expect(read('docker-compose.yml')).not.toMatch(/ADMIN_API_KEY:-/);
    });

    it('should run Redis on the production redis.conf', () => {
      expect(services.redis.volumes?.some((volume) => volume.startsWith('./deploy/redis/redis.conf:'))).toBe(true);
    });
  });
});

describe('deploy/redis/redis.conf (e2e)', () => {
  const password = /^user cat on >(\S+)/m.exec(read('deploy/redis/redis.conf'))?.[1];
  const ADMIN_USER = { username: 'ops-kit-admin', password: 'ops-kit-admin-password' };
  let dir: string;
  let redisServer: ChildProcess;
  let port: number;
  let admin: Redis;
  let app: NestFastifyApplication;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cat-redis-conf-'));
    port = await freePort();
    // The production file as it is, on a free port; plus a user for this test to look inside with.
    const aclAdmin = ['--user', ADMIN_USER.username, 'on', `>${ADMIN_USER.password}`, '~*', '&*', '+@all'];
    redisServer = spawn('redis-server', [join(ROOT, 'deploy/redis/redis.conf'), '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, ...aclAdmin], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    // Retries until the server listens.
    admin = new Redis({ port, host: '127.0.0.1', ...ADMIN_USER, retryStrategy: () => 100, maxRetriesPerRequest: 0 });
    admin.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server on ${port} did not start`)), 15_000);
      admin.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    app = await startApp({
      REDIS_URL: `redis://cat:${password}@127.0.0.1:${port}`,
      REDIS_KEY_PREFIX: 'cat:',
      REDIS_COMMAND_TIMEOUT_MS: '2000',
      // The limits' counters are part of what runs under the ACL.
      RATE_LIMIT_CLIENT_PER_MINUTE: '100000',
      RATE_LIMIT_IP_PER_MINUTE: '100000',
      RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: '100000',
    });
  });
  afterAll(async () => {
    await app?.close();
    admin?.disconnect();
    redisServer?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  async function counters(): Promise<{ fallbacks: number; failOpen: number; redisUp: number }> {
    const families = parsePrometheusTextFormat((await request(appServer(app)).get('/metrics').set(metricsAuth()).expect(200)).text);
    const total = (name: string) =>
      (families.find((family) => family.name === name)?.metrics ?? []).reduce((sum, metric) => sum + Number(metric.value ?? 0), 0);
    return { fallbacks: total('cat_redis_fallbacks_total'), failOpen: total('cat_rate_limit_fail_open_total'), redisUp: total('cat_redis_up') };
  }

  /** Runs `count` answers of an exam; returns its id and token. */
  async function answer(examId: string, token: string, item: { id: string } | null, correctKeyOf: Map<string, string>, count: number) {
    const random = seeded(7);
    for (let k = 0; k < count && item; k++) {
      const res = await request(appServer(app))
        .post(`/v1/exams/${examId}/answers`)
        .set(bearer(token))
        .send({ itemId: item.id, answer: answerFor(item.id, correctKeyOf, random) })
        .expect(200);
      item = res.body.item as { id: string } | null;
    }
    return item;
  }

  it('should turn away the default user and let the service do all its work as `cat`, with no command refused', async () => {
    expect(password).toBeDefined();
    // A client that names no user is the default user: refused.
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect({ port, host: '127.0.0.1' }, () => socket.write('PING\r\n'));
      socket.once('data', (data) => {
        resolve(data.toString());
        socket.destroy();
      });
      socket.once('error', reject);
    });
    expect(reply).toMatch(/^-NOAUTH/);

    const server = appServer(app);
    await request(server).get('/health/ready').expect(200);
    expect((await request(server).get('/health/ready').expect(200)).body.details.redis.status).toBe('up');
    const { bankId, correctKeyOf } = await createBank(server, 20, 43);
    const finished = await startExam(server, { bankId, candidateId: 'acl-done', config: { maxItems: 2, seThreshold: 0 } }).expect(201);
    expect(await answer(finished.body.examId, finished.body.token, finished.body.item, correctKeyOf, 2)).toBeNull();
    const open = await startExam(server, { bankId, candidateId: 'acl-open', config: { maxItems: 5, seThreshold: 0 } }).expect(201);
    await answer(open.body.examId, open.body.token, open.body.item, correctKeyOf, 1);
    await request(server).get(`/v1/exams/${open.body.examId}`).set(bearer(open.body.token)).expect(200);
    await request(server).get(`/v1/exams/${open.body.examId}`).set(bearer('not-a-token-of-this-exam')).expect(401);
    const stats = await request(server).get('/v1/admin/stats').set(ADMIN).expect(200);
    expect(JSON.stringify(stats.body)).toMatch(/"usedMemoryBytes":\d+/);
    await new Promise((resolve) => setTimeout(resolve, 200)); // the failed-auth count is sent after the response

    // CLIENT SETINFO (Redis 7.2+) is cosmetic and may be refused; nothing else may be.
    const refused = ((await admin.call('ACL', 'LOG')) as unknown[][])
      .map((entry) => Object.fromEntries(Array.from({ length: entry.length / 2 }, (_, i) => [String(entry[2 * i]), entry[2 * i + 1]])))
      .filter((entry) => entry.object !== 'client|setinfo');
    expect(refused).toEqual([]);
    expect(await counters()).toEqual({ fallbacks: 0, failOpen: 0, redisUp: 1 });
    await request(server).get(`/v1/exams/${open.body.examId}`).set(bearer(open.body.token)).expect(200);
  });

  it('should hold only keys that expire, so that noeviction never keeps one past its TTL', async () => {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await admin.scan(cursor, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    expect(keys.some((key) => key.endsWith(':state'))).toBe(true);
    expect(keys.some((key) => key.startsWith('cat:rate:'))).toBe(true);
    for (const key of keys) {
      expect(key.startsWith('cat:')).toBe(true);
      expect({ key, ttl: (await admin.pttl(key)) > 0 }).toEqual({ key, ttl: true });
    }
  });

  it('should keep exams going on Postgres when Redis is full and refuses writes', async () => {
    const server = appServer(app);
    const { bankId, correctKeyOf } = await createBank(server, 20, 44);
    const exam = await startExam(server, { bankId, candidateId: 'acl-full', config: { maxItems: 4, seThreshold: 0 } }).expect(201);
    const before = await counters();
    await admin.config('SET', 'maxmemory', '1');
    try {
      await expect(admin.set('cat:probe', 'x')).rejects.toThrow(/OOM/);
      expect(await answer(exam.body.examId, exam.body.token, exam.body.item, correctKeyOf, 4)).toBeNull();
    } finally {
      await admin.config('SET', 'maxmemory', '2gb');
    }
    const after = await counters();
    expect(after.fallbacks).toBeGreaterThan(before.fallbacks);
    expect(after.redisUp).toBe(1);
  });
});
