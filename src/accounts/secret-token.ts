import { createHash, randomBytes } from 'node:crypto';

/** A secret for a link or a cookie: 256 random bits, base64url (43 characters). */
export function generateSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** Secrets are stored and looked up by this hash only. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Cheap shape check, so junk never reaches the database. */
export function looksLikeSecret(secret: string | undefined): secret is string {
  return typeof secret === 'string' && /^[A-Za-z0-9_-]{43}$/.test(secret);
}
