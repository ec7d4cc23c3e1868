import { spawnSync } from 'node:child_process';
import { PROJECT_ROOT } from './setup/test-env.js';

/** The real entry point (compiled by `npm test`'s pretest build), started as a process. */
describe('Start-up (e2e)', () => {
  function start(env: Record<string, string | undefined>) {
    const merged: NodeJS.ProcessEnv = { ...process.env, ...env, NODE_ENV: 'test', PORT: '0' };
    for (const [key, value] of Object.entries(env)) if (value === undefined) delete merged[key];
    return spawnSync(process.execPath, ['dist/main.js'], { cwd: PROJECT_ROOT, env: merged, encoding: 'utf8', timeout: 20_000 });
  }

  it('should exit non-zero naming ADMIN_API_KEY when it is not set', () => {
    // Empty counts as unset (and keeps a developer's .env, which Prisma's client also reads, out of it).
    const result = start({ ADMIN_API_KEY: '' });
    expect(result.status).not.toBe(0);
    expect(result.status).not.toBeNull();
    expect(result.stderr).toContain('ADMIN_API_KEY is required');
  });

  it('should list every invalid setting in one message', () => {
    const result = start({ ADMIN_API_KEY: 'short', PORT: 'x', REDIS_URL: 'http://nope' });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/ADMIN_API_KEY: ADMIN_API_KEY must be at least 16 characters/);
    expect(result.stderr).toMatch(/REDIS_URL/);
  });

  it('should exit non-zero when Postgres cannot be reached', () => {
    const result = start({ DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/none_test_db', DATABASE_CONNECT_TIMEOUT_MS: '500' });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/Start-up failed/);
  });
});
