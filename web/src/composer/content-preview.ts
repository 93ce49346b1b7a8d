// The very modules the dispatcher publishes with, bundled into the page: the count and the
// UTM preview the composer shows are the ones the platform will see.
import {
  BLUESKY_GRAPHEME_LIMIT,
  MASTODON_CHARACTER_LIMIT,
  checkContentLimit,
  checkText,
  composeText,
  type PlatformLimits,
} from '../../../src/content/content-limits';
import { graphemeLength, mastodonLength } from '../../../src/content/text-length';
import { withChannelUtm } from '../../../src/content/utm';
import type { Channel } from '../api/types';

export interface ContentPreview {
  /** The text as published: title, body and link, links tagged. */
  text: string;
  /** The link as published (tagged), or null. */
  link: string | null;
  length: number;
  limit: number | null;
  unit: string;
  /** A sentence when the post is too long. */
  problem: string | null;
}

export function previewContent(
  channel: Channel,
  post: { title?: string | null; body: string; link?: string | null },
  /** The channel's limits as the server reports them (GET /v1/channels/{cid}/limits); else the stock ones. */
  limits?: Pick<PlatformLimits, 'name' | 'text'> | null,
): ContentPreview {
  const published = withChannelUtm(
    { body: post.body, link: post.link || null },
    channel.platform,
    channel.utm?.campaign,
  );
  const text = composeText({ title: post.title || null, body: published.body, link: published.link });
  const rule = limits?.text;
  if (limits && rule) {
    const over = checkText(limits, text);
    const length = rule.unit === 'characters' ? mastodonLength(text, rule.urlWeight) : graphemeLength(text);
    const unit = rule.unit === 'characters' ? `characters (each link counts as ${rule.urlWeight})` : 'characters';
    return { text, link: published.link, length, limit: rule.maxCharacters, unit, problem: over?.message ?? null };
  }
  const over = checkContentLimit(channel.platform, text);
  switch (channel.platform) {
    case 'mastodon':
      return {
        text,
        link: published.link,
        length: mastodonLength(text),
        limit: MASTODON_CHARACTER_LIMIT,
        unit: 'characters (each link counts as 23)',
        problem: over?.message ?? null,
      };
    case 'bluesky':
      return {
        text,
        link: published.link,
        length: graphemeLength(text),
        limit: BLUESKY_GRAPHEME_LIMIT,
        unit: 'characters',
        problem: over?.message ?? null,
      };
    default:
      return {
        text,
        link: published.link,
        length: graphemeLength(text),
        limit: null,
        unit: 'characters',
        problem: null,
      };
  }
}
