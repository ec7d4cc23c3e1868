import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { REDIS_CLIENT, type RedisClient } from '../redis/redis.constants.js';
import { decodeExamState, encodeExamState, examLockKey, examStateKey, type ExamHotState } from './exam-state.js';

/**
 * Takes the submission lock (`SET NX PX`) and, if it got it, returns the hot state ('' when there is none); false
 * when another submission holds the lock. One round trip.
 */
const LOCK_SCRIPT = `
if not redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return false end
return redis.call('GET', KEYS[1]) or ''
`;

/**
 * Writes the state only if it is newer than the stored one (so Redis never claims a version ahead of what was
 * committed, and a slow writer cannot roll it back), or drops it when ARGV[1] is empty; then releases the lock if,
 * and only if, ARGV[4] still owns it. KEYS share the exam's hash tag.
 */
const COMMIT_SCRIPT = `
local function version(s)
  if not s or string.len(s) < 4 then return -1 end
  local b1, b2, b3, b4 = string.byte(s, 1, 4)
  return ((b1 * 256 + b2) * 256 + b3) * 256 + b4
end
local written = 0
if ARGV[1] == '' then
  redis.call('DEL', KEYS[1])
  written = 1
else
  local stored = version(redis.call('GET', KEYS[1]))
  local incoming = tonumber(ARGV[2])
  if stored < incoming then
    redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
    written = 1
  elseif stored == incoming then
    redis.call('EXPIRE', KEYS[1], ARGV[3])
  end
end
if ARGV[4] ~= '' and redis.call('GET', KEYS[2]) == ARGV[4] then
  redis.call('DEL', KEYS[2])
end
return written
`;

/** Compare-and-delete: a lock is released only by the holder of its token. */
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

interface ScriptedClient {
  examLockBuffer(stateKey: string, lockKey: string, token: string, ttlMs: number): Promise<Buffer | null>;
  examCommit(stateKey: string, lockKey: string, state: Buffer | string, version: number, ttl: number, token: string): Promise<number>;
  examRelease(lockKey: string, token: string): Promise<number>;
}

/** What taking the submission lock found. */
export type LockResult =
  | { kind: 'locked'; token: string; state: ExamHotState | null }
  /** Another submission holds it. */
  | { kind: 'contended' }
  /** Redis unreachable or stalled: the caller falls back to Postgres alone (state rebuilt, advisory lock). */
  | { kind: 'unavailable' };

/**
 * Lock tokens only need to be unique among the holders of one exam's lock: a random prefix per process and a
 * counter make them so without drawing random bytes on every submission.
 */
const TOKEN_PREFIX = randomBytes(12).toString('base64url');
let tokenCounter = 0;
const nextLockToken = () => `${TOKEN_PREFIX}.${(tokenCounter++).toString(36)}`;

/** ioredis' rejection when `commandTimeout` passes without a reply. */
const COMMAND_TIMED_OUT = 'Command timed out';
/** How long to serve from Postgres alone after a Redis command timed out before trying Redis again. */
const SKIP_AFTER_TIMEOUT_MS = 1_000;
const MAX_ORPHANED_LOCKS = 10_000;

/**
 * The Redis hot layer of the exams: per-exam compact state with a sliding TTL, and the per-exam submission lock.
 * Every method is best effort: on a Redis error it logs, counts and lets the caller continue from Postgres.
 * Commands are bounded by the client's commandTimeout, so nothing hangs.
 */
@Injectable()
export class HotStateStore {
  private readonly logger = new Logger(HotStateStore.name);
  private readonly scripted: ScriptedClient;
  private readonly ttlSeconds: number;
  private readonly lockTtlMs: number;
  private heldLocks = 0;
  private fallbackCount = 0;
  private lastWarnAt = 0;
  /**
   * Until when to skip Redis after a command timed out. A stalled Redis would otherwise cost every request one
   * full command timeout per round trip; one probe per interval is enough to notice it is back.
   */
  private skipUntil = 0;
  /**
   * Locks that a timed-out `SET NX` may still take: a stalled Redis runs the command when it resumes, and nobody
   * would own the lock it leaves for LOCK_TTL_MS. Released (compare-and-delete) as soon as Redis answers again.
   * Token → exam id and when the lock would expire on its own anyway.
   */
  private readonly orphanedLocks = new Map<string, { examId: string; expiresAt: number }>();
  private sweepingOrphans = false;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    config: AppConfig,
    private readonly metrics: MetricsService,
  ) {
    this.ttlSeconds = config.get('SESSION_TTL_SECONDS');
    this.lockTtlMs = config.get('LOCK_TTL_MS');
    redis.defineCommand('examLock', { numberOfKeys: 2, lua: LOCK_SCRIPT });
    redis.defineCommand('examCommit', { numberOfKeys: 2, lua: COMMIT_SCRIPT });
    redis.defineCommand('examRelease', { numberOfKeys: 1, lua: RELEASE_SCRIPT });
    this.scripted = redis as unknown as ScriptedClient;
    // A command cut off by a reconnect may have run before the connection dropped.
    redis.on('ready', () => this.releaseOrphanedLocks());
  }

  /** Locks currently held by this process (a gauge, not a scan of Redis). */
  get locksHeld(): number {
    return this.heldLocks;
  }

  /** Redis operations that failed and were served from Postgres instead, since start-up. */
  get fallbacks(): number {
    return this.fallbackCount;
  }

  /** One round trip: take the exam's submission lock and read its hot state. */
  async lock(examId: string): Promise<LockResult> {
    if (this.skipping('lock')) return { kind: 'unavailable' };
    const token = nextLockToken();
    try {
      const state = await this.scripted.examLockBuffer(examStateKey(examId), examLockKey(examId), token, this.lockTtlMs);
      if (this.orphanedLocks.size > 0) this.releaseOrphanedLocks();
      if (state === null) return { kind: 'contended' };
      this.heldLocks++;
      return { kind: 'locked', token, state: decodeExamState(state) };
    } catch (error) {
      this.fallback('lock', error);
      this.orphanLock(examId, token, true);
      return { kind: 'unavailable' };
    }
  }

  /**
   * One round trip: store the new state (only if newer) or drop it (`null`: the exam is over), and release the
   * lock. `undefined` leaves the state as it is and only releases.
   */
  async unlock(examId: string, token: string | null, state?: ExamHotState | null): Promise<void> {
    if (token) this.heldLocks--;
    if (this.skipping('unlock')) {
      if (token) this.orphanLock(examId, token, false);
      return;
    }
    try {
      if (state === undefined) {
        if (token) await this.scripted.examRelease(examLockKey(examId), token);
        return;
      }
      const encoded = state ? encodeExamState(state) : '';
      await this.scripted.examCommit(examStateKey(examId), examLockKey(examId), encoded, state?.version ?? 0, this.ttlSeconds, token ?? '');
    } catch (error) {
      // The lock then simply expires after LOCK_TTL_MS; a state not written is rebuilt from Postgres when needed.
      this.fallback('unlock', error);
    }
  }

  /** The state of a new exam (no lock involved). */
  put(examId: string, state: ExamHotState): Promise<void> {
    return this.unlock(examId, null, state);
  }

  /** Slides the hot state's TTL (GET /v1/exams/:id). */
  async touch(examId: string): Promise<void> {
    if (this.skipping('touch')) return;
    try {
      await this.redis.expire(examStateKey(examId), this.ttlSeconds);
    } catch (error) {
      this.fallback('touch', error);
    }
  }

  /** Drops the hot state of exams that ended. One DEL per key: keys live in different cluster slots. */
  async drop(examIds: readonly string[]): Promise<void> {
    try {
      await Promise.all(examIds.map((id) => this.redis.del(examStateKey(id))));
    } catch (error) {
      this.fallback('drop', error);
    }
  }

  /** For /v1/admin/stats: whether the client is connected and Redis' used_memory (null when unknown). */
  async info(): Promise<{ connected: boolean; usedMemoryBytes: number | null }> {
    const connected = this.redis.status === 'ready';
    if (!connected) return { connected, usedMemoryBytes: null };
    try {
      const text = await this.redis.info('memory');
      const match = /^used_memory:(\d+)/m.exec(text);
      return { connected, usedMemoryBytes: match ? Number(match[1]) : null };
    } catch {
      return { connected: false, usedMemoryBytes: null };
    }
  }

  /** True (and counted as a fallback) while Redis is being skipped after a timeout. */
  private skipping(operation: string): boolean {
    if (Date.now() >= this.skipUntil) return false;
    this.fallbackCount++;
    this.metrics.redisFallback(operation);
    return true;
  }

  /** `releaseNow`: send the release at once (on a stalled connection it queues right behind the SET). */
  private orphanLock(examId: string, token: string, releaseNow: boolean): void {
    const now = Date.now();
    for (const [stale, lock] of this.orphanedLocks) if (lock.expiresAt <= now) this.orphanedLocks.delete(stale);
    // Bounded: past this, the remaining locks simply expire after LOCK_TTL_MS.
    if (this.orphanedLocks.size >= MAX_ORPHANED_LOCKS) return;
    this.orphanedLocks.set(token, { examId, expiresAt: now + this.lockTtlMs });
    if (releaseNow) void this.releaseOrphanedLock(token);
  }

  private releaseOrphanedLocks(): void {
    if (this.sweepingOrphans) return;
    this.sweepingOrphans = true;
    void Promise.all([...this.orphanedLocks.keys()].map((token) => this.releaseOrphanedLock(token))).finally(() => {
      this.sweepingOrphans = false;
    });
  }

  private async releaseOrphanedLock(token: string): Promise<void> {
    const lock = this.orphanedLocks.get(token);
    if (!lock) return;
    try {
      await this.scripted.examRelease(examLockKey(lock.examId), token);
      this.orphanedLocks.delete(token);
    } catch {
      // Still unreachable: retried when the client is ready again (or the lock expires by itself).
    }
  }

  private fallback(operation: string, error: unknown): void {
    if (error instanceof Error && error.message === COMMAND_TIMED_OUT) this.skipUntil = Date.now() + SKIP_AFTER_TIMEOUT_MS;
    this.fallbackCount++;
    this.metrics.redisFallback(operation);
    // One warning per 10 s is enough to see an outage without flooding the log on every request.
    const now = Date.now();
    if (now - this.lastWarnAt > 10_000) {
      this.lastWarnAt = now;
      const reason = error instanceof Error ? error.message : String(error);
      this.logger.warn(`Redis ${operation} failed, serving from Postgres (${this.fallbackCount} fallbacks so far): ${reason}`);
    }
  }
}
