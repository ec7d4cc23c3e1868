import fastifyRateLimit from '@fastify/rate-limit';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import { BoundedCache } from '../common/bounded-cache.js';
import { ApiException } from '../common/errors/api-exception.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { parseClientKey } from '../common/auth/tokens.js';
import type { Environment } from '../config/environment.js';
import type { MetricsService } from '../metrics/metrics.service.js';
import type { RedisClient } from '../redis/redis.constants.js';

const WINDOW_MS = 60_000;

/** INCR a window's counter, starting its expiry on the first hit; returns the count and the window's remaining ms. */
const COUNT_SCRIPT = `
local current = redis.call('INCR', KEYS[1])
if current == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) ttl = tonumber(ARGV[1]) end
return {current, ttl}
`;

interface CountingClient {
  rateCount(key: string, windowMs: number): Promise<[number, number]>;
}

/** After a failed count, requests pass uncounted (fail open) this long before Redis is tried again. */
const SKIP_REDIS_MS = 1_000;

/** Windows of this many addresses are counted in process (the answer route's); past it the least recent go. */
const LOCAL_KEYS = 100_000;

/**
 * Fixed one-minute windows counted in Redis, fleet-wide, with one exception: the answer route (the hot path, whose
 * every request already costs a Redis round trip for its lock) is counted in process. Redis unreachable: the
 * request passes (fail open), counted in `cat_rate_limit_fail_open_total`.
 */
export class RateCounter {
  private readonly local = new BoundedCache<string, { count: number; resetAt: number }>({ maxEntries: LOCAL_KEYS });
  private skipRedisUntil = 0;

  constructor(
    private readonly redis: RedisClient,
    private readonly metrics: MetricsService,
  ) {
    redis.defineCommand('rateCount', { numberOfKeys: 1, lua: COUNT_SCRIPT });
  }

  /** The count in this window after this hit, and the ms left in it. */
  async hit(key: string, inProcess: boolean): Promise<{ current: number; ttl: number }> {
    if (inProcess) return this.hitLocally(key);
    if (Date.now() < this.skipRedisUntil) return this.failOpen();
    try {
      const [current, ttl] = await (this.redis as unknown as CountingClient).rateCount(`rate:${key}`, WINDOW_MS);
      return { current, ttl };
    } catch {
      // A stalled Redis would make every request wait for its command timeout: skip it for a moment.
      this.skipRedisUntil = Date.now() + SKIP_REDIS_MS;
      return this.failOpen();
    }
  }

  private failOpen(): { current: number; ttl: number } {
    this.metrics.rateLimitFailedOpen();
    return { current: 0, ttl: WINDOW_MS };
  }

  private hitLocally(key: string): { current: number; ttl: number } {
    const now = Date.now();
    let window = this.local.get(key);
    if (!window || window.resetAt <= now) {
      window = { count: 0, resetAt: now + WINDOW_MS };
      this.local.set(key, window);
    }
    window.count++;
    return { current: window.count, ttl: window.resetAt - now };
  }
}

/**
 * A route's own per-address limit, counted apart from the address's general one (`@RouteConfig(...)`): for routes
 * that anyone may call and that write something each time, like the demo launches. Off when the address limit is.
 */
export function perAddressRouteLimit(name: string, perMinute: number) {
  return { rateLimit: { max: perMinute, keyGenerator: (request: FastifyRequest) => `ip:${name}:${addressKey(request.ip)}` } };
}

/**
 * A route's own limit per caller (client key, or address without one), counted apart from the caller's general
 * limit: for routes whose every call costs real work, like a bank's information curve. Off when the general limits are.
 */
export function perCallerRouteLimit(name: string, perMinute: number) {
  const keyGenerator = (request: FastifyRequest) => {
    const header = request.headers['x-api-key'];
    const parsed = typeof header === 'string' ? parseClientKey(header) : null;
    // The root key is not a client key: it counts by address, like a caller without one.
    return parsed ? `${name}:client:${parsed.prefix}` : `${name}:ip:${addressKey(request.ip)}`;
  };
  return { rateLimit: { max: perMinute, keyGenerator } };
}

/** Route patterns counted in process (see RateCounter). */
const IN_PROCESS_ROUTES = new Set(['/v1/exams/:examId/answers']);
/** Never limited: health probes and the metrics scrape. */
const UNLIMITED_ROUTES = new Set(['/health/live', '/health/ready', '/metrics']);

/**
 * The address a limit counts: an IPv4 address as it is; an IPv6 one by its /64, which one subscriber usually holds
 * whole (counting single addresses would let a client rotate through 2^64 of them).
 */
export function addressKey(ip: string): string {
  const address = ip.split('%')[0].toLowerCase();
  if (!address.includes(':')) return address;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (mapped) return mapped[1];
  const [head, tail] = address.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const groups = tail === undefined ? headGroups : [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
  return `${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/**
 * Who a request counts against: its client key's prefix (the root key has its own), or its address; a key counted
 * in process starts with `local:`.
 */
function limitKeyOf(request: FastifyRequest, rootKey: string): string {
  const header = request.headers['x-api-key'];
  const presented = Array.isArray(header) ? header[0] : header;
  if (presented === rootKey) return 'client:root';
  const parsed = presented ? parseClientKey(presented) : null;
  if (parsed) return `client:${parsed.prefix}`;
  const address = addressKey(request.ip);
  return IN_PROCESS_ROUTES.has(request.routeOptions.url ?? '') ? `local:ip:${address}` : `ip:${address}`;
}

const tooMany = (retryAfterSeconds: number) =>
  new ApiException(ErrorCode.TOO_MANY_REQUESTS, `Too many requests: retry after ${retryAfterSeconds} s`);

/**
 * Rate limits (429 TOO_MANY_REQUESTS with Retry-After), per minute: per client key (RATE_LIMIT_CLIENT_PER_MINUTE),
 * per address for requests without one (RATE_LIMIT_IP_PER_MINUTE), and per address on failed authentication
 * (RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: once over it, the address is turned away for the rest of its minute).
 */
export async function configureRateLimits(app: NestFastifyApplication, environment: Environment, counter: RateCounter): Promise<void> {
  const rootKey = environment.ADMIN_API_KEY;
  const limits = { client: environment.RATE_LIMIT_CLIENT_PER_MINUTE, ip: environment.RATE_LIMIT_IP_PER_MINUTE };
  // A route's own key (`name:client:…`, `name:ip:…`) is off with the general limit of its kind.
  const limitOf = (key: string) => (/^([\w-]+:)?client:/.test(key) ? limits.client : limits.ip);
  registerAuthFailureLimit(app, environment.RATE_LIMIT_AUTH_FAILURES_PER_MINUTE, counter);
  if (limits.client === 0 && limits.ip === 0) return;
  await app.register(fastifyRateLimit, {
    global: true,
    timeWindow: WINDOW_MS,
    max: (_request: FastifyRequest, key: string) => limitOf(key),
    keyGenerator: (request: FastifyRequest) => limitKeyOf(request, rootKey),
    // Health probes and scrapes are never limited; a limit set to 0 is off (and costs no count).
    allowList: (request: FastifyRequest, key: string) => UNLIMITED_ROUTES.has(request.routeOptions.url ?? '') || limitOf(key) === 0,
    store: class {
      incr(key: string, callback: (error: Error | null, result?: { current: number; ttl: number }) => void): void {
        counter.hit(key, key.startsWith('local:')).then((result) => callback(null, result), callback);
      }
      child() {
        return this;
      }
    },
    errorResponseBuilder: (_request, context) => tooMany(Math.ceil(context.ttl / 1000)),
    addHeadersOnExceeding: { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false },
  });
}

/** Addresses turned away after too many failed authentications, until when; past it the least recent go. */
const BLOCKED_ADDRESSES = 10_000;

/**
 * Failed authentications (401s) are counted per address in Redis, off the request's path; once an address is over
 * the limit, each instance that sees it fail turns it away (429) for the rest of its minute, without asking Redis.
 */
function registerAuthFailureLimit(app: NestFastifyApplication, limit: number, counter: RateCounter): void {
  if (limit === 0) return;
  const blockedUntil = new BoundedCache<string, number>({ maxEntries: BLOCKED_ADDRESSES });
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (request, reply, done) => {
      // Probes and scrapes come from the platform: an address in trouble must not fail its health checks.
      if (UNLIMITED_ROUTES.has(request.routeOptions.url ?? '')) return done();
      const until = blockedUntil.get(addressKey(request.ip));
      if (until === undefined || until <= Date.now()) return done();
      const retryAfter = Math.ceil((until - Date.now()) / 1000);
      void reply.header('retry-after', retryAfter);
      done(tooMany(retryAfter));
    })
    .addHook('onResponse', (request, reply, done) => {
      done();
      if (reply.statusCode !== 401 || UNLIMITED_ROUTES.has(request.routeOptions.url ?? '')) return;
      const address = addressKey(request.ip);
      void counter.hit(`authfail:${address}`, false).then(({ current, ttl }) => {
        if (current <= limit) return;
        blockedUntil.set(address, Date.now() + ttl);
      });
    });
}
