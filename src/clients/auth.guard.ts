import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AUTH_RULE, type AuthRule } from '../common/auth/auth.decorator.js';
import { type AuthenticatedRequest, type Caller, hasScope } from '../common/auth/auth.types.js';
import { hashToken } from '../common/auth/tokens.js';
import { ApiException } from '../common/errors/api-exception.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { ApiKeys } from './api-keys.service.js';

export const API_KEY_HEADER = 'x-api-key';

// 32 bytes of base64url are 43 characters; anything shorter cannot be one of our tokens.
const BEARER = /^Bearer\s+([A-Za-z0-9_-]{43,128})$/i;

const unauthorized = (message: string) => new ApiException(ErrorCode.UNAUTHORIZED, message);

/**
 * The one guard, global: it reads the route's `@Auth` rule and establishes `request.caller`. A client key that is
 * sent is always checked (a wrong key is 401 even where a token would do); a key without the route's scopes is 403.
 * An exam token is only parsed and hashed here: whether it opens the exam in the path is decided with the exam.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeys,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const rule = this.reflector.getAllAndOverride<AuthRule | undefined>(AUTH_RULE, [context.getHandler(), context.getClass()]);
    // A route that declares nothing is closed: forgetting a rule must not open it.
    if (!rule) throw unauthorized('This route is not open');
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    request.caller = await this.callerOf(request, rule);
    return true;
  }

  private async callerOf(request: AuthenticatedRequest, rule: AuthRule): Promise<Caller> {
    const header = request.headers[API_KEY_HEADER];
    const key = Array.isArray(header) ? header[0] : header;
    if (key !== undefined && rule.key) {
      const client = key.length > 0 && key.length <= 256 ? await this.keys.verify(key) : null;
      if (!client) throw unauthorized('The x-api-key is not valid');
      const missing = rule.key.filter((scope) => !hasScope(client, scope));
      if (missing.length > 0) throw new ApiException(ErrorCode.FORBIDDEN, `This key lacks the scope ${missing.join(', ')}`);
      return { kind: 'client', client };
    }
    if (rule.examToken && request.headers.authorization !== undefined) {
      const match = BEARER.exec(request.headers.authorization);
      if (!match) throw unauthorized('A valid Authorization: Bearer <token> header is required');
      return { kind: 'exam', tokenHash: hashToken(match[1]) };
    }
    if (rule.anonymous) return { kind: 'anonymous' };
    throw unauthorized(rule.key ? 'A valid x-api-key header is required' : 'A valid Authorization: Bearer <token> header is required');
  }
}
