import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** 32 random bytes, base64url: the bearer token handed out once by `POST /v1/exams`. */
export function generateExamToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Only this SHA-256 hex digest is stored; a leaked table does not open any exam. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * Constant-time string comparison. Both sides are hashed first so the comparison time depends on
 * neither the length nor the content of the secret.
 */
export function safeEqual(a: string, b: string): boolean {
  const left = createHash('sha256').update(a, 'utf8').digest();
  const right = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(left, right);
}

/** Constant-time comparison of two SHA-256 hex digests (no need to hash them again: both are digests already). */
export function sameDigest(a: string, b: string): boolean {
  return a.length === 64 && b.length === 64 && timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));
}
