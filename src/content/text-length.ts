import { findLinks } from './links';

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** User-perceived characters (extended grapheme clusters): 👍🏽, 👨‍👩‍👧 and e + ◌́ are 1 each. */
export function graphemeLength(text: string): number {
  let count = 0;
  for (const _ of segmenter.segment(text)) count++;
  return count;
}

/** Mastodon's counted length of every link, whatever its real length. */
export const MASTODON_URL_LENGTH = 23;

// Mastodon's Account::MENTION_RE: @user or @user@domain, not inside a word or URL.
const MENTION = /(?<![=/\p{L}\p{N}_])@([a-z0-9_]+(?:[a-z0-9_.-]+[a-z0-9_]+)?)(?:@[\p{L}\p{N}_.-]+[\p{L}\p{N}_]+)?/giu;

/**
 * The length Mastodon's StatusLengthValidator counts: grapheme clusters, with each http(s)
 * link counted as 23 (the instance's `characters_reserved_per_url`) and a remote mention `@user@domain` counted as `@user`.
 */
export function mastodonLength(text: string, urlWeight: number = MASTODON_URL_LENGTH): number {
  let countable = '';
  let last = 0;
  for (const link of findLinks(text)) {
    countable += text.slice(last, link.start) + 'x'.repeat(urlWeight);
    last = link.end;
  }
  countable += text.slice(last);
  return graphemeLength(countable.replace(MENTION, '@$1'));
}
