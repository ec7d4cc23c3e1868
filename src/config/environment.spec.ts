import { readFileSync } from 'node:fs';
import { Test } from '@nestjs/testing';
import { getMetadataStorage } from 'class-validator';
import { AppConfig } from './app-config.service.js';
import { AppConfigModule } from './config.module.js';
import { Environment, InvalidEnvironmentError, validateEnvironment } from './environment.js';

const VALID = {
  DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/app',
  REDIS_URL: 'redis://127.0.0.1:6379',
  ADMIN_API_KEY: '0123456789abcdef',
};

function problemsOf(raw: Record<string, unknown>): string[] {
  try {
    validateEnvironment(raw);
  } catch (error) {
    if (error instanceof InvalidEnvironmentError) return error.problems;
    throw error;
  }
  return [];
}

describe(validateEnvironment.name, () => {
  it('should apply the documented defaults', () => {
    const env = validateEnvironment(VALID);
    expect(env).toBeInstanceOf(Environment);
    expect(env).toMatchObject({
      PORT: 3000,
      DATABASE_POOL_SIZE: 10,
      REDIS_KEY_PREFIX: 'cat:',
      SESSION_TTL_SECONDS: 1800,
      LOCK_TTL_MS: 5000,
      LOG_LEVEL: 'info',
    });
  });

  it('should convert numeric strings to numbers', () => {
    const env = validateEnvironment({ ...VALID, PORT: '8080', LOCK_TTL_MS: '2500' });
    expect(env.PORT).toBe(8080);
    expect(env.LOCK_TTL_MS).toBe(2500);
  });

  it('should name a missing ADMIN_API_KEY', () => {
    const { ADMIN_API_KEY: _omitted, ...rest } = VALID;
    expect(problemsOf(rest)).toEqual(['ADMIN_API_KEY is required']);
  });

  it('should list every bad key at once', () => {
    const problems = problemsOf({
      DATABASE_URL: 'mysql://x',
      REDIS_URL: 'redis://127.0.0.1:6379',
      ADMIN_API_KEY: 'short',
      PORT: 'eighty',
      LOG_LEVEL: 'loud',
      SESSION_TTL_SECONDS: '0',
    });
    const keys = problems.map((p) => p.split(/[ :]/)[0]).sort();
    expect(keys).toEqual(['ADMIN_API_KEY', 'DATABASE_URL', 'LOG_LEVEL', 'PORT', 'SESSION_TTL_SECONDS']);
    expect(problems.find((p) => p.startsWith('ADMIN_API_KEY'))).toMatch(/at least 16 characters/);
  });

  it('should treat an empty value as unset', () => {
    expect(validateEnvironment({ ...VALID, PORT: '' }).PORT).toBe(3000);
    expect(problemsOf({ ...VALID, ADMIN_API_KEY: '' })).toEqual(['ADMIN_API_KEY is required']);
  });

  it('should put every problem in the error message, one per line', () => {
    const error = (() => {
      try {
        validateEnvironment({});
      } catch (e) {
        return e as Error;
      }
      throw new Error('expected a failure');
    })();
    expect(error.message.split('\n')[0]).toBe('Invalid configuration:');
    for (const key of ['DATABASE_URL', 'REDIS_URL', 'ADMIN_API_KEY']) {
      expect(error.message).toContain(`${key} is required`);
    }
  });
});

describe('documented settings', () => {
  const root = new URL('../../', import.meta.url);
  const keys = [...new Set(getMetadataStorage().getTargetValidationMetadatas(Environment, '', true, false).map((m) => m.propertyName))].sort();
  /** `KEY=value` lines of .env.example. */
  const example = Object.fromEntries(
    readFileSync(new URL('.env.example', root), 'utf8')
      .split('\n')
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );

  it('should list every setting in .env.example, and nothing else', () => {
    expect(keys.length).toBeGreaterThan(15);
    expect(Object.keys(example).sort()).toEqual(keys);
  });

  it('should give valid values in .env.example, each default as the code has it', () => {
    const fromExample = validateEnvironment(example);
    const defaults = new Environment();
    for (const key of keys) {
      const value = defaults[key as keyof Environment];
      if (value !== undefined) expect({ key, value: fromExample[key as keyof Environment] }).toEqual({ key, value });
    }
  });

  it('should describe every setting in the README table', () => {
    const readme = readFileSync(new URL('README.md', root), 'utf8');
    const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('\n## ', readme.indexOf('## Configuration') + 1));
    const documented = [...section.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((match) => match[1]).sort();
    expect(documented).toEqual(keys);
  });
});

describe(AppConfig.name, () => {
  it('should serve exactly the validated settings it was given, never a variable set in process.env besides', async () => {
    const saved = { PORT: process.env.PORT, CORS_ORIGINS: process.env.CORS_ORIGINS };
    Object.assign(process.env, { PORT: 'not a port', CORS_ORIGINS: 'https://not.configured.example' });
    try {
      const moduleRef = await Test.createTestingModule({ imports: [AppConfigModule.forRoot(validateEnvironment({ ...VALID, PORT: '4000' }))] }).compile();
      const config = moduleRef.get(AppConfig);
      expect(config.get('PORT')).toBe(4000);
      expect(config.get('SESSION_TTL_SECONDS')).toBe(1800);
      // An optional setting left out stays out.
      expect(config.get('CORS_ORIGINS')).toBeUndefined();
    } finally {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });
});
