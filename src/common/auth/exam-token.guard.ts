import { type CanActivate, type ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppConfig } from '../../config/app-config.service.js';
import { ApiException } from '../errors/api-exception.js';
import { ErrorCode } from '../errors/error-code.js';
import { hasAdminKey } from './admin-api-key.guard.js';
import type { AuthenticatedRequest } from './auth.types.js';
import { hashToken } from './tokens.js';

const ALLOW_ADMIN = 'auth:allowAdmin';
/** Lets the admin key stand in for the exam token on this route (e.g. the full result). */
export const AllowAdmin = () => SetMetadata(ALLOW_ADMIN, true);

// 32 bytes of base64url are 43 characters; anything shorter cannot be one of our tokens.
const BEARER = /^Bearer\s+([A-Za-z0-9_-]{43,128})$/i;

/**
 * Exam routes: `Authorization: Bearer <token>`. The guard only parses the token and hashes it; whether the
 * hash opens the exam in the URL is decided by the service, which loads the exam anyway.
 */
@Injectable()
export class ExamTokenGuard implements CanActivate {
  constructor(
    private readonly config: AppConfig,
    private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const allowAdmin = this.reflector.getAllAndOverride<boolean>(ALLOW_ADMIN, [context.getHandler(), context.getClass()]);
    if (allowAdmin && hasAdminKey(request, this.config.get('ADMIN_API_KEY'))) {
      request.caller = { kind: 'admin' };
      return true;
    }
    const match = BEARER.exec(request.headers.authorization ?? '');
    if (!match) {
      throw new ApiException(ErrorCode.UNAUTHORIZED, 'A valid Authorization: Bearer <token> header is required');
    }
    request.caller = { kind: 'exam', tokenHash: hashToken(match[1]) };
    return true;
  }
}
