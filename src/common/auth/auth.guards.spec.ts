import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { AppConfig } from '../../config/app-config.service.js';
import { ApiException } from '../errors/api-exception.js';
import { AdminApiKeyGuard } from './admin-api-key.guard.js';
import type { AuthenticatedRequest } from './auth.types.js';
import { ExamTokenGuard } from './exam-token.guard.js';
import { generateExamToken, hashToken, safeEqual } from './tokens.js';

const ADMIN_KEY = 'admin-key-0123456789';
const config = { get: () => ADMIN_KEY } as unknown as AppConfig;

function contextFor(headers: Record<string, string | undefined>): { context: ExecutionContext; request: AuthenticatedRequest } {
  const request = { headers } as unknown as AuthenticatedRequest;
  const context = {
    switchToHttp: () => ({ getRequest: () => request }),
    getHandler: () => () => undefined,
    getClass: () => class {},
  } as unknown as ExecutionContext;
  return { context, request };
}

describe('exam tokens', () => {
  it('should be 32 random bytes in base64url, stored only as a SHA-256 hex digest', () => {
    const token = generateExamToken();
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(hashToken(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(generateExamToken()).not.toBe(token);
  });

  it('should compare secrets of any length without throwing', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abcd')).toBe(false);
    expect(safeEqual('', 'x')).toBe(false);
  });
});

describe(AdminApiKeyGuard.name, () => {
  const guard = new AdminApiKeyGuard(config);

  it('should let the admin key through and mark the caller', () => {
    const { context, request } = contextFor({ 'x-api-key': ADMIN_KEY });
    expect(guard.canActivate(context)).toBe(true);
    expect(request.caller).toEqual({ kind: 'admin' });
  });

  it.each([{}, { 'x-api-key': '' }, { 'x-api-key': `${ADMIN_KEY}x` }])('should reject %p with 401', (headers) => {
    expect(() => guard.canActivate(contextFor(headers).context)).toThrow(ApiException);
  });
});

describe(ExamTokenGuard.name, () => {
  const guard = new ExamTokenGuard(config, new Reflector());

  it('should hash a well-formed bearer token', () => {
    const token = generateExamToken();
    const { context, request } = contextFor({ authorization: `Bearer ${token}` });
    expect(guard.canActivate(context)).toBe(true);
    expect(request.caller).toEqual({ kind: 'exam', tokenHash: hashToken(token) });
  });

  it.each([{}, { authorization: 'Bearer short' }, { authorization: `Basic ${'a'.repeat(43)}` }, { 'x-api-key': ADMIN_KEY }])(
    'should reject %p with 401',
    (headers) => {
      expect(() => guard.canActivate(contextFor(headers).context)).toThrow(ApiException);
    },
  );
});
