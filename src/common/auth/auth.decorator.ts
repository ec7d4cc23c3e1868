import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiSecurity } from '@nestjs/swagger';
import type { Scope } from './auth.types.js';

/** Which credentials a route takes. */
export interface AuthRule {
  /** A client key (`x-api-key`) holding every one of these scopes (`admin` holds them all). */
  key?: readonly Scope[];
  /** The exam's bearer token (routes under /v1/exams/:examId). */
  examToken?: boolean;
  /** No credential at all: the body carries one (a launch token). */
  anonymous?: boolean;
}

export const AUTH_RULE = 'auth:rule';

/**
 * Declares a route's credentials, for the AuthGuard (every route declares one: a route without is refused) and for
 * the OpenAPI document.
 */
export function Auth(rule: AuthRule): MethodDecorator & ClassDecorator {
  const docs = [
    ...(rule.key ? [ApiSecurity('client-key', [...rule.key])] : []),
    ...(rule.examToken ? [ApiBearerAuth('exam-token')] : []),
  ];
  return applyDecorators(SetMetadata(AUTH_RULE, rule), ...docs);
}

/** A route anyone may call (health, metrics). */
export const Public = () => Auth({ anonymous: true });
