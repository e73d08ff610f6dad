import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Recognisable in logs, configs and secret scanners; the rest is 32 random bytes, base64url. */
export const TOKEN_PREFIX = 'lrs_';

export function newToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** Key ids are public (listings, audit, history): short, random, and never mistaken for a token. */
export function newKeyId(): string {
  return `key_${randomBytes(8).toString('hex')}`;
}

/**
 * What the database keeps of a token. A plain SHA-256 is enough here, unlike for
 * passwords: a token carries 256 random bits, so there is nothing to brute-force and a
 * slow, salted hash would only slow every request down. Looking the digest up in an index
 * is also safe from timing attacks: the caller cannot steer the digest of what it sends
 * towards a stored one.
 */
export function tokenDigest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Constant-time comparison of two secrets of any lengths (their digests have equal lengths). */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(Buffer.from(tokenDigest(a), 'hex'), Buffer.from(tokenDigest(b), 'hex'));
}
