import { applyDecorators } from '@nestjs/common';
import { plainToInstance, Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
  type ValidationError,
} from 'class-validator';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;

/** An integer setting in [min, max], given as a decimal string in the environment. */
const IntSetting = (min: number, max: number): PropertyDecorator => applyDecorators(Transform(toInt), IsInt(), Min(min), Max(max));

/**
 * Every setting the service reads, validated once at start-up. Defaults here are the documented ones
 * (README and .env.example); a key without a default is required.
 */
export class Environment {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @IntSetting(0, 65_535)
  PORT = 3000;

  @IsString()
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'DATABASE_URL must be a postgresql:// URL' })
  DATABASE_URL!: string;

  @IntSetting(1, 500)
  DATABASE_POOL_SIZE = 10;

  @IntSetting(100, 120_000)
  DATABASE_CONNECT_TIMEOUT_MS = 5_000;

  @IntSetting(100, 600_000)
  DATABASE_STATEMENT_TIMEOUT_MS = 15_000;

  @IsString()
  @Matches(/^rediss?:\/\/\S+$/, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL!: string;

  @IsString()
  @Matches(/^[A-Za-z0-9:_\-.{}]{1,64}$/, {
    message: 'REDIS_KEY_PREFIX must be 1-64 characters of letters, digits and : _ - . { }',
  })
  REDIS_KEY_PREFIX = 'cat:';

  @IntSetting(10, 60_000)
  REDIS_COMMAND_TIMEOUT_MS = 500;

  /** `host:port,host:port` of Redis Sentinels (REDIS_URL then only supplies credentials and db). */
  @IsOptional()
  @Matches(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, { message: 'REDIS_SENTINELS must be host:port[,host:port…]' })
  REDIS_SENTINELS?: string;

  @IsOptional()
  @IsString()
  REDIS_SENTINEL_MASTER = 'mymaster';

  /** `host:port,host:port` seed nodes of a Redis Cluster. */
  @IsOptional()
  @Matches(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, { message: 'REDIS_CLUSTER_NODES must be host:port[,host:port…]' })
  REDIS_CLUSTER_NODES?: string;

  @IsString()
  @MinLength(16, { message: 'ADMIN_API_KEY must be at least 16 characters' })
  ADMIN_API_KEY!: string;

  @IntSetting(1, 7 * 24 * 3600)
  SESSION_TTL_SECONDS = 1_800;

  /** How long an exam token keeps working once its exam completed or expired (then 401). */
  @IntSetting(0, 7 * 24 * 3600)
  EXAM_TOKEN_GRACE_SECONDS = 300;

  /** How long a client's previous key keeps working after a rotation. */
  @IntSetting(0, 30 * 24 * 3600)
  CLIENT_KEY_ROTATION_GRACE_SECONDS = 3_600;

  @IntSetting(100, 60_000)
  LOCK_TTL_MS = 5_000;

  /** Period of the expiry sweep; 0 turns the scheduled sweep off (POST /v1/admin/sessions/cleanup still works). */
  @IntSetting(0, 24 * 3600 * 1000)
  SESSION_SWEEP_INTERVAL_MS = 60_000;

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevel = 'info';

  @IntSetting(0, 120_000)
  SHUTDOWN_GRACE_MS = 10_000;

  /**
   * On SIGTERM, how long to keep the listener open while turning every request away with 503 (and
   * `Connection: close`) before closing: a load balancer stops routing here, and requests already on the
   * wire are answered instead of reset.
   */
  @IntSetting(0, 60_000)
  SHUTDOWN_DRAIN_DELAY_MS = 0;

  @IsOptional()
  @IsString()
  HOST = '0.0.0.0';
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

/** The `validate` hook of `ConfigModule.forRoot`: returns the typed settings or throws listing each bad key. */
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
