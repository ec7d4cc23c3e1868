import { applyDecorators } from '@nestjs/common';
import { plainToInstance, Transform } from 'class-transformer';
import dotenv from 'dotenv';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  Min,
  MinLength,
  ValidateBy,
  ValidateIf,
  validateSync,
  type ValidationArguments,
  type ValidationError,
} from 'class-validator';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;

/**
 * An integer setting in [min, max], given as a decimal string in the environment. Written on its property's line, so
 * that a setting's range, name and default read together.
 */
const IntSetting = (min: number, max: number): PropertyDecorator => applyDecorators(Transform(toInt), IsInt(), Min(min), Max(max));

/** An optional `host:port,host:port` list of Redis nodes. */
const HostPortList = (): PropertyDecorator =>
  applyDecorators(IsOptional(), Matches(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, { message: '$property must be host:port[,host:port…]' }));

/** A key or token: a string of at least 16 characters. */
const Secret = (): PropertyDecorator => applyDecorators(IsString(), MinLength(16, { message: '$property must be at least 16 characters' }));

/**
 * Every setting the service reads, validated once at start-up. Defaults here are the documented ones
 * (README and .env.example); a key without a default is required.
 */
export class Environment {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @IntSetting(0, 65_535) PORT = 3000;

  @IsString()
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'DATABASE_URL must be a postgresql:// URL' })
  DATABASE_URL!: string;

  @IntSetting(1, 500) DATABASE_POOL_SIZE = 10;

  @IntSetting(100, 120_000) DATABASE_CONNECT_TIMEOUT_MS = 5_000;

  /**
   * Postgres `statement_timeout`, sent when a connection opens; 0 sends nothing (PgBouncer refuses it as a startup
   * parameter: set it on the role instead, `ALTER ROLE … SET statement_timeout = '15s'`).
   */
  @IntSetting(0, 600_000) DATABASE_STATEMENT_TIMEOUT_MS = 15_000;

  /**
   * Whether the hot statements are named prepared statements (parsed once per connection). `false` behind PgBouncer
   * in transaction mode before 1.21, which cannot carry them across the server connections it hands out.
   */
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'DATABASE_PREPARED_STATEMENTS must be true or false' })
  DATABASE_PREPARED_STATEMENTS = true;

  @IsString()
  @Matches(/^rediss?:\/\/\S+$/, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL!: string;

  @IsString()
  @Matches(/^[A-Za-z0-9:_\-.{}]{1,64}$/, {
    message: 'REDIS_KEY_PREFIX must be 1-64 characters of letters, digits and : _ - . { }',
  })
  REDIS_KEY_PREFIX = 'cat:';

  @IntSetting(10, 60_000) REDIS_COMMAND_TIMEOUT_MS = 500;

  /** `host:port,host:port` of Redis Sentinels (REDIS_URL then only supplies credentials and db). */
  @HostPortList()
  REDIS_SENTINELS?: string;

  @IsOptional()
  @IsString()
  REDIS_SENTINEL_MASTER = 'mymaster';

  /** `host:port,host:port` seed nodes of a Redis Cluster. */
  @HostPortList()
  REDIS_CLUSTER_NODES?: string;

  @Secret()
  ADMIN_API_KEY!: string;

  @IntSetting(1, 7 * 24 * 3600) SESSION_TTL_SECONDS = 1_800;

  /** How long an exam token keeps working once its exam completed or expired (then 401). */
  @IntSetting(0, 7 * 24 * 3600) EXAM_TOKEN_GRACE_SECONDS = 300;

  /** How long a client's previous key keeps working after a rotation. */
  @IntSetting(0, 30 * 24 * 3600) CLIENT_KEY_ROTATION_GRACE_SECONDS = 3_600;

  @IntSetting(100, 60_000) LOCK_TTL_MS = 5_000;

  /** Period of the expiry sweep; 0 turns the scheduled sweep off (POST /v1/admin/sessions/cleanup still works). */
  @IntSetting(0, 24 * 3600 * 1000) SESSION_SWEEP_INTERVAL_MS = 60_000;

  /** How often each instance adds its exposure counts to Postgres and reads the fleet's totals back. */
  @IntSetting(100, 60_000) EXPOSURE_SYNC_MS = 1_000;

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevel = 'info';

  @IntSetting(0, 120_000) SHUTDOWN_GRACE_MS = 10_000;

  /**
   * On SIGTERM, how long to keep the listener open while turning every request away with 503 (and
   * `Connection: close`) before closing: a load balancer stops routing here, and requests already on the
   * wire are answered instead of reset.
   */
  @IntSetting(0, 60_000) SHUTDOWN_DRAIN_DELAY_MS = 0;

  @IsOptional()
  @IsString()
  HOST = '0.0.0.0';

  /**
   * Which proxies' X-Forwarded-For to believe for the client's address (rate limits): `false` (none), `true`
   * (all), a hop count, or a comma-separated list of addresses/CIDRs.
   */
  @Matches(/^(true|false|\d{1,2}|[0-9a-fA-F.:/]+(,[0-9a-fA-F.:/]+)*)$/, {
    message: 'TRUST_PROXY must be true, false, a hop count, or a comma-separated list of addresses or CIDRs',
  })
  TRUST_PROXY = 'false';

  /** Requests per minute per client key (fleet-wide, in Redis); 0 turns the limit off. */
  @IntSetting(0, 10_000_000) RATE_LIMIT_CLIENT_PER_MINUTE = 30_000;

  /** Requests per minute per client address without a key (candidates, browsers); 0 turns the limit off. */
  @IntSetting(0, 10_000_000) RATE_LIMIT_IP_PER_MINUTE = 12_000;

  /** Failed authentications per minute per client address before it is turned away for the rest of the minute. */
  @IntSetting(0, 1_000_000) RATE_LIMIT_AUTH_FAILURES_PER_MINUTE = 300;

  /** Browser origins allowed by CORS (comma-separated, exact); empty: no cross-origin access. */
  @Matches(/^(https?:\/\/[^\s,]+)(,https?:\/\/[^\s,]+)*$/, { message: 'CORS_ORIGINS must be comma-separated http(s) origins' })
  @IsOptional()
  CORS_ORIGINS?: string;

  /** The port /metrics is served on, apart from the API; 0 serves it on the API port instead. */
  @IntSetting(0, 65_535) METRICS_PORT = 9_464;

  /** When set, /metrics asks for `Authorization: Bearer <METRICS_TOKEN>`; required when METRICS_PORT is 0. */
  @ValidateIf((environment: Environment) => environment.METRICS_PORT === 0 || environment.METRICS_TOKEN !== undefined)
  @Secret()
  METRICS_TOKEN?: string;

  /** Longest a client may take to send a whole request (headers and body); then the connection is closed. */
  @IntSetting(1_000, 600_000) HTTP_REQUEST_TIMEOUT_MS = 30_000;

  /** Longest a client may take to send the request's headers. */
  @IntSetting(1_000, 600_000) HTTP_HEADERS_TIMEOUT_MS = 15_000;

  /** How long an idle keep-alive connection stays open. */
  @IntSetting(1_000, 600_000) HTTP_KEEP_ALIVE_TIMEOUT_MS = 5_000;

  /** Open connections this instance accepts; more are refused at once. */
  @IntSetting(1, 1_000_000) HTTP_MAX_CONNECTIONS = 10_000;

  /** Memory for the in-process bank snapshots; past it the least recently used banks are dropped (and reloaded). */
  @IntSetting(16, 65_536) BANK_CACHE_MAX_MB = 512;

  /** Finished, expired and revoked exams older than this many days are deleted (responses with them); 0 keeps them. */
  @IntSetting(0, 36_500) RETENTION_DAYS = 0;

  /**
   * The test definition /demo may start exams of without a launch token, each for a new `demo-…` candidate of the
   * root client: anyone who can reach the service can take it, so only that definition's bank and config are
   * exposed. Unset (the default): demo exams are off, and /demo takes launch tokens only. Needs RETENTION_DAYS: exams
   * anyone can start must not be kept forever.
   */
  @IsOptional()
  @IsUUID(undefined, { message: 'DEMO_TEST_DEFINITION_ID must be the id (a UUID) of a test definition' })
  @ValidateBy({
    name: 'demoNeedsRetention',
    validator: { validate: (_value: unknown, args?: ValidationArguments) => ((args?.object as Environment | undefined)?.RETENTION_DAYS ?? 0) > 0 },
  }, { message: 'DEMO_TEST_DEFINITION_ID needs RETENTION_DAYS set (1 or more): exams anyone can start must not be kept forever' })
  DEMO_TEST_DEFINITION_ID?: string;
}

/** Thrown when the environment is invalid; its message lists every bad key, one per line. */
export class InvalidEnvironmentError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'InvalidEnvironmentError';
  }
}

function describe(error: ValidationError): string {
  const reasons = Object.values(error.constraints ?? {});
  const isMissing = error.value === undefined || error.value === '';
  return isMissing ? `${error.property} is required` : `${error.property}: ${reasons.join('; ')}`;
}

/**
 * The settings of this process: the environment, and a `.env` file outside tests (its values never override the
 * environment's), validated; throws listing each bad key.
 */
export function loadEnvironment(): Environment {
  if (process.env.NODE_ENV !== 'test') dotenv.config({ quiet: true });
  return validateEnvironment(process.env);
}

/** Returns the typed settings or throws listing each bad key. */
export function validateEnvironment(raw: Record<string, unknown>): Environment {
  // Empty strings count as unset so that `KEY=` in a .env file falls back to the default.
  const defined = Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== ''));
  const environment = plainToInstance(Environment, defined, { exposeDefaultValues: true });
  const errors = validateSync(environment, { whitelist: false, skipMissingProperties: false });
  if (errors.length > 0) {
    throw new InvalidEnvironmentError(errors.map(describe));
  }
  return environment;
}
