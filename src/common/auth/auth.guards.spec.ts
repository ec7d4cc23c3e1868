import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '../../clients/auth.guard.js';
import type { ApiKeys } from '../../clients/api-keys.service.js';
import { ApiException } from '../errors/api-exception.js';
import { AUTH_RULE, type AuthRule } from './auth.decorator.js';
import type { AuthenticatedRequest, ClientIdentity } from './auth.types.js';
import { generateClientKey, generateToken, hashToken, parseClientKey, safeEqual, sameDigest } from './tokens.js';

describe('tokens', () => {
  it('should be 32 random bytes in base64url, stored only as a SHA-256 hex digest', () => {
    const token = generateToken();
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(hashToken(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(generateToken()).not.toBe(token);
  });

  it('should compare secrets of any length, and digests, without throwing', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abcd')).toBe(false);
    expect(safeEqual('', 'x')).toBe(false);
    const digest = hashToken('x');
    expect(sameDigest(digest, hashToken('x'))).toBe(true);
    expect(sameDigest(digest, hashToken('y'))).toBe(false);
    expect(sameDigest(digest, 'short')).toBe(false);
  });

  it('should make client keys cat_<prefix>_<secret> whose secret alone is hashed', () => {
    const { key, prefix, secretHash } = generateClientKey();
    expect(key).toMatch(/^cat_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    const parsed = parseClientKey(key)!;
    expect(parsed.prefix).toBe(prefix);
    expect(hashToken(parsed.secret)).toBe(secretHash);
    expect(key).not.toContain(secretHash);
    for (const bad of ['', 'cat_', `${key}x`, key.replace('cat_', 'cak_'), 'cat_ABCDEF012345_' + 'a'.repeat(43)]) {
      expect(parseClientKey(bad)).toBeNull();
    }
  });
});

describe(AuthGuard.name, () => {
  const client: ClientIdentity = { id: 'c1', scopes: ['exams:launch'], bankIds: [] };
  /** A key store that knows one key. */
  const keys = { verify: async (key: string) => (key === 'good-key' ? client : null) } as unknown as ApiKeys;
  const guard = new AuthGuard(new Reflector(), keys);

  function contextFor(rule: AuthRule | undefined, headers: Record<string, string>): { context: ExecutionContext; request: AuthenticatedRequest } {
    const request = { headers } as unknown as AuthenticatedRequest;
    const handler = () => undefined;
    if (rule) Reflect.defineMetadata(AUTH_RULE, rule, handler);
    const context = {
      switchToHttp: () => ({ getRequest: () => request }),
      getHandler: () => handler,
      getClass: () => class {},
    } as unknown as ExecutionContext;
    return { context, request };
  }

  const codeOf = async (promise: Promise<unknown>) => promise.then(() => 'passed', (error: ApiException) => error.code);

  it('should refuse a route that declares no rule', async () => {
    expect(await codeOf(guard.canActivate(contextFor(undefined, { 'x-api-key': 'good-key' }).context))).toBe('UNAUTHORIZED');
  });

  it('should establish a client with the scopes the route asks for', async () => {
    const { context, request } = contextFor({ key: ['exams:launch'] }, { 'x-api-key': 'good-key' });
    expect(await guard.canActivate(context)).toBe(true);
    expect(request.caller).toEqual({ kind: 'client', client });
  });

  it('should answer 401 for a missing or wrong key and 403 for a missing scope', async () => {
    expect(await codeOf(guard.canActivate(contextFor({ key: ['exams:launch'] }, {}).context))).toBe('UNAUTHORIZED');
    expect(await codeOf(guard.canActivate(contextFor({ key: ['exams:launch'] }, { 'x-api-key': 'bad' }).context))).toBe('UNAUTHORIZED');
    expect(await codeOf(guard.canActivate(contextFor({ key: ['admin'] }, { 'x-api-key': 'good-key' }).context))).toBe('FORBIDDEN');
  });

  it('should check a key that is sent even where a token would do', async () => {
    const rule = { key: ['results:read'] as const, examToken: true };
    expect(await codeOf(guard.canActivate(contextFor(rule, { 'x-api-key': 'bad', authorization: `Bearer ${generateToken()}` }).context))).toBe('UNAUTHORIZED');
  });

  it('should hash a well-formed bearer token, and refuse a malformed one', async () => {
    const token = generateToken();
    const { context, request } = contextFor({ examToken: true }, { authorization: `Bearer ${token}` });
    expect(await guard.canActivate(context)).toBe(true);
    expect(request.caller).toEqual({ kind: 'exam', tokenHash: hashToken(token) });
    for (const authorization of ['Bearer short', `Basic ${'a'.repeat(43)}`]) {
      expect(await codeOf(guard.canActivate(contextFor({ examToken: true }, { authorization }).context))).toBe('UNAUTHORIZED');
    }
  });

  it('should let an anonymous caller through only where the route allows it', async () => {
    const { context, request } = contextFor({ key: ['exams:launch'], anonymous: true }, {});
    expect(await guard.canActivate(context)).toBe(true);
    expect(request.caller).toEqual({ kind: 'anonymous' });
  });
});
