import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** 32 random bytes, base64url (43 characters): exam tokens, launch tokens and the secret part of client keys. */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Only this SHA-256 hex digest is stored; a leaked table opens nothing. */
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

/** `cat_<prefix>_<secret>`: the prefix (12 hex characters) finds the key, the secret proves it. */
const CLIENT_KEY = /^cat_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export interface NewClientKey {
  key: string;
  prefix: string;
  secretHash: string;
}

export function generateClientKey(): NewClientKey {
  const prefix = randomBytes(6).toString('hex');
  const secret = generateToken();
  return { key: `cat_${prefix}_${secret}`, prefix, secretHash: hashToken(secret) };
}

export function parseClientKey(key: string): { prefix: string; secret: string } | null {
  const match = CLIENT_KEY.exec(key);
  return match ? { prefix: match[1], secret: match[2] } : null;
}
