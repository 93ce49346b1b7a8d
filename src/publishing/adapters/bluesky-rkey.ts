import { createHash } from 'node:crypto';

const BASE32_SORTABLE = '234567abcdefghijklmnopqrstuvwxyz';

/**
 * The record key of a post, derived only from the idempotency key (the post's id), so every
 * attempt to publish the same post writes to the same `at://<did>/app.bsky.feed.post/<rkey>`
 * and a repository can hold it once.
 *
 * Scheme (v1): the first 64 bits of SHA-256("palinsesto/bluesky-rkey/v1:" + key), top bit
 * cleared, written as 13 base32-sortable characters. That is exactly the syntax of a TID
 * (the record-key type the app.bsky.feed.post lexicon asks for): 13 characters of
 * `234567a-z`, the first one in `234567a-j`. Its "timestamp" bits are a hash, not a time;
 * nothing orders posts by rkey (feeds sort by createdAt/indexedAt). Changing the prefix or
 * the hash would change every key: keep it stable.
 */
export function blueskyRkey(idempotencyKey: string): string {
  const digest = createHash('sha256').update(`palinsesto/bluesky-rkey/v1:${idempotencyKey}`).digest();
  let value = digest.readBigUInt64BE(0) & 0x7fff_ffff_ffff_ffffn;
  let out = '';
  for (let i = 0; i < 13; i++) {
    out = BASE32_SORTABLE[Number(value & 31n)] + out;
    value >>= 5n;
  }
  return out;
}
