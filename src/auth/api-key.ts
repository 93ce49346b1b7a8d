import { createHash, randomBytes } from 'node:crypto';

const PREFIX = 'pal_';

/** A new api key: 256 random bits, shown once to its owner. */
export function generateApiKey(): string {
  return PREFIX + randomBytes(32).toString('base64url');
}

/** Keys are stored and looked up by this hash only. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Cheap shape check, so junk never reaches the database. */
export function looksLikeApiKey(key: string): boolean {
  return (
    key.startsWith(PREFIX) && key.length === PREFIX.length + 43 && /^[A-Za-z0-9_-]+$/.test(key.slice(PREFIX.length))
  );
}
