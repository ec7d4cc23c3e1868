import { safeEqual } from '../common/auth/tokens.js';

/** Whether an `Authorization` header carries the metrics token (always true when no token is configured). */
export function mayScrape(token: string | undefined, authorization: string | undefined): boolean {
  if (token === undefined) return true;
  return authorization !== undefined && authorization.startsWith('Bearer ') && safeEqual(authorization.slice(7), token);
}
