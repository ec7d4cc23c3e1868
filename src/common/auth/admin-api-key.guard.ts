import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.service.js';
import { ApiException } from '../errors/api-exception.js';
import { ErrorCode } from '../errors/error-code.js';
import type { AuthenticatedRequest } from './auth.types.js';
import { safeEqual } from './tokens.js';

export const ADMIN_KEY_HEADER = 'x-api-key';

/** True when the request carries the admin key (constant-time comparison). */
export function hasAdminKey(request: AuthenticatedRequest, adminKey: string): boolean {
  const header = request.headers[ADMIN_KEY_HEADER];
  const presented = Array.isArray(header) ? header[0] : header;
  return typeof presented === 'string' && presented.length > 0 && safeEqual(presented, adminKey);
}

/** Admin routes: `x-api-key: <ADMIN_API_KEY>`, missing or wrong → 401 UNAUTHORIZED. */
@Injectable()
export class AdminApiKeyGuard implements CanActivate {
  constructor(private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (!hasAdminKey(request, this.config.get('ADMIN_API_KEY'))) {
      throw new ApiException(ErrorCode.UNAUTHORIZED, 'A valid x-api-key header is required');
    }
    request.caller = { kind: 'admin' };
    return true;
  }
}
