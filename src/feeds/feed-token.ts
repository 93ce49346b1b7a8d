/**
 * Secret feed tokens (the `<token>` of `/ical/<token>.ics`).
 *
 * A token is 32 random bytes (256 bits) in base64url without padding: 43 characters of
 * `[A-Za-z0-9_-]`. Only its SHA-256 (hex) is stored, so a leaked database does not leak
 * working feed URLs; look the feed up by `hashFeedToken(token)`. Because the lookup key is
 * a hash, timing differences in the index lookup say nothing useful about the token.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const FEED_TOKEN_BYTES = 32;
/** base64url length of {@link FEED_TOKEN_BYTES} bytes, without padding. */
export const FEED_TOKEN_LENGTH = 43;

// 256 bits = 42 characters of 6 bits + 4 bits: the last character's two low bits are zero.
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;
const HASH_SHAPE = /^[0-9a-f]{64}$/i;

/** A new secret token: 256 bits from the OS CSPRNG, URL-safe. */
export function generateFeedToken(): string {
  return randomBytes(FEED_TOKEN_BYTES).toString('base64url');
}

/** SHA-256 of the token, 64 lower-case hex digits: what the database keeps. */
export function hashFeedToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * Whether `token` hashes to `storedHash`, compared in constant time (over the 32-byte
 * digests, so the comparison does not depend on where the inputs first differ).
 * A malformed stored hash never matches.
 */
export function tokenMatches(token: string, storedHash: string): boolean {
  if (typeof token !== 'string' || typeof storedHash !== 'string' || !HASH_SHAPE.test(storedHash)) {
    return false;
  }
  const actual = createHash('sha256').update(token, 'utf8').digest();
  const expected = Buffer.from(storedHash, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * Cheap shape check to run before any database lookup: exactly what
 * {@link generateFeedToken} produces (43 canonical base64url characters). Strip the `.ics` first.
 */
export function isWellFormedToken(token: unknown): token is string {
  return typeof token === 'string' && TOKEN_SHAPE.test(token);
}
