import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** Code length: 12 base62 characters, about 71 bits from the system's CSPRNG. */
export const CODE_LENGTH = 12;
/** What a code looks like: anything else is answered 404 without a database read. */
export const CODE_PATTERN = /^[0-9A-Za-z]{12}$/;

/** A fresh random code (unbiased: bytes past the largest multiple of 62 are drawn again). */
export function newLinkCode(): string {
  let code = '';
  while (code.length < CODE_LENGTH) {
    for (const byte of randomBytes(CODE_LENGTH * 2)) {
      if (byte >= 248) continue; // 248 = 4 * 62
      code += ALPHABET[byte % 62];
      if (code.length === CODE_LENGTH) break;
    }
  }
  return code;
}
